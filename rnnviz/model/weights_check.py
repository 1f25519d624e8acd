"""``model.weights.h5`` checked against its ``config.json`` in a separate, memory-limited process.

HDF5 is a rich binary format: a 19 KB file can declare a dataset of billions of values (filled
on read), link to other files, or simply crash its parser. So the weights of every model file
(an upload, or a run found in the store) are checked by a child process (``python -m
rnnviz.model.weights_check``) under an address-space limit and a timeout, before Keras reads them in
the server: every dataset's declared shape and type (h5py reads them without the data) against
the weights the configuration implies (:class:`~rnnviz.model.limits.WeightPlan`), then every
dataset read once. The child answers one line of JSON; nothing from the file is unpickled.
"""

from __future__ import annotations

import json
import logging
import math
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

from rnnviz.model.limits import MAX_PARAMETERS, MAX_TENSOR_VALUES, ModelLimitError, WeightPlan

CHILD_SECONDS = 10.0
CHILD_ADDRESS_SPACE = 768 * 1024 * 1024  # Python, NumPy and h5py take ~115 MB of it
MAX_OBJECTS = 20_000  # groups and datasets in the file (a model's file holds tens)
MAX_ALL_VALUES = 3 * MAX_PARAMETERS + 1_000  # the weights and an optimizer's two slots each
NUMERIC_KINDS = "fiub"  # float, signed and unsigned integer, bool
ROOT = Path(__file__).resolve().parents[2]
LOG = logging.getLogger("rnnviz")


def check_weights(path: str | Path, plan: WeightPlan) -> None:
    """Check ``path`` (a model.weights.h5) against ``plan`` in a memory-limited child process;
    raises :class:`ModelLimitError` with a plain message when it is refused or the check fails."""
    request = {"path": str(path), "shapes": [list(s) for s in plan.shapes], "exact": plan.exact}
    env = {
        **os.environ,
        "OPENBLAS_NUM_THREADS": "1",
        "PYTHONPATH": os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]),
    }
    try:
        done = subprocess.run(
            [sys.executable, "-m", "rnnviz.model.weights_check"],
            input=json.dumps(request),
            capture_output=True,
            text=True,
            timeout=CHILD_SECONDS,
            env=env,
            cwd=ROOT,
        )
    except subprocess.TimeoutExpired:
        raise ModelLimitError(
            f"Checking model.weights.h5 took longer than {CHILD_SECONDS:.0f} s: rnnviz does not "
            "open it."
        ) from None
    answer = _last_json_line(done.stdout)
    if answer is None:
        raise ModelLimitError(
            "model.weights.h5 could not be checked (the checking process ended with "
            f"{_exit_reason(done.returncode)}): rnnviz does not open it."
        )
    if answer.get("error"):
        if answer.get("detail"):  # h5py's own words: for the log, not the page
            LOG.warning("model.weights.h5 refused: %s", answer["detail"])
        raise ModelLimitError(str(answer["error"]))


def _last_json_line(text: str) -> dict | None:
    for line in reversed(text.strip().splitlines()):
        try:
            answer = json.loads(line)
        except ValueError:
            continue
        return answer if isinstance(answer, dict) else None
    return None


def _exit_reason(code: int) -> str:
    if code < 0:
        return f"signal {-code}"
    return f"exit code {code}, perhaps out of its {CHILD_ADDRESS_SPACE // 2**20} MB of memory"


# -- in the child ------------------------------------------------------------------------------


def inspect_file(path: str, expected: list[tuple], exact: bool) -> None:
    """Refuse (ModelLimitError) a weights file whose datasets do not fit the configuration:
    links to elsewhere, non-numeric or oversized datasets, shapes the layers do not have; then
    read every dataset once (what Keras will do), so a damaged one is found here."""
    import h5py

    with h5py.File(path, "r") as handle:
        datasets = _datasets(handle)
        _check_declared(datasets, expected, exact)
        for name, dataset in datasets:
            try:
                dataset[()]
            except Exception:  # noqa: BLE001 - any failure to read is a refusal
                raise ModelLimitError(
                    f"model.weights.h5 is damaged: the weights '{name[:80]}' cannot be read. "
                    "Save the model again and upload the new file."
                ) from None


def _datasets(handle) -> list:
    """Every dataset as (name, dataset), refusing links and external or virtual storage."""
    import h5py

    links: list = []
    # A callback's exception comes out of h5py garbled: collect, stop early (a non-None
    # return ends the visit), and judge afterwards.
    handle.visititems_links(lambda name, link: links.append((name, link)) or _over(links))
    if _over(links):
        raise ModelLimitError(
            f"model.weights.h5 holds more than {MAX_OBJECTS:,} objects; a model's holds tens."
        )
    found = []
    for name, link in links:
        if not isinstance(link, h5py.HardLink):
            raise ModelLimitError(
                f"model.weights.h5 links '{name[:80]}' to another place or file: refused."
            )
        item = handle[name]
        if isinstance(item, h5py.Dataset):
            if item.external or item.is_virtual:
                raise ModelLimitError(
                    f"model.weights.h5 keeps '{name[:80]}' in another file: refused."
                )
            found.append((name, item))
    return found


def _over(links: list) -> bool | None:
    return True if len(links) > MAX_OBJECTS else None


def _check_declared(datasets: list, expected: list[tuple], exact: bool) -> None:
    total, layer_shapes = 0, Counter()
    for name, dataset in datasets:
        dtype, shape = dataset.dtype, tuple(int(d) for d in dataset.shape)
        if dtype.kind not in NUMERIC_KINDS or dtype.itemsize > 8:
            raise ModelLimitError(
                f"model.weights.h5 holds '{name[:80]}' of type {dtype}, not numbers: refused."
            )
        values = math.prod(shape)
        if values > MAX_TENSOR_VALUES:
            raise ModelLimitError(
                f"model.weights.h5 declares '{name[:80]}' of {' x '.join(f'{d:,}' for d in shape)}"
                f" values ({values:,}; at most {MAX_TENSOR_VALUES:,} in one tensor): refused."
            )
        total += values
        if name.startswith("layers/"):
            layer_shapes[shape] += 1
    if total > MAX_ALL_VALUES:
        raise ModelLimitError(
            f"model.weights.h5 declares {total:,} values in all (at most {MAX_ALL_VALUES:,}): "
            "refused."
        )
    wanted = Counter(tuple(shape) for shape in expected)
    missing, extra = wanted - layer_shapes, (layer_shapes - wanted) if exact else Counter()
    if missing or extra:
        parts = [f"lacks weights of shapes {_listed(missing)} that the layers need"] * bool(missing)
        parts += [f"holds weights of shapes {_listed(extra)} that no layer has"] * bool(extra)
        raise ModelLimitError(
            f"model.weights.h5 does not match config.json: it {' and '.join(parts)}. Refused."
        )


def _listed(shapes: Counter) -> str:
    return ", ".join(str(shape) for shape in list(shapes)[:3])


def _limit_memory() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (CHILD_ADDRESS_SPACE, CHILD_ADDRESS_SPACE))


def main() -> None:
    """The child: limit memory first, then check the request read from stdin; one JSON line."""
    _limit_memory()
    request = json.loads(sys.stdin.read())
    try:
        expected = [tuple(shape) for shape in request["shapes"]]
        inspect_file(request["path"], expected, bool(request["exact"]))
    except ModelLimitError as error:
        answer = {"error": str(error)}
    except MemoryError:
        answer = {"error": "model.weights.h5 needs more memory than a model file may: refused."}
    except Exception as error:  # noqa: BLE001 - h5py's errors for a damaged file
        answer = {
            "error": "model.weights.h5 is damaged or not an HDF5 weights file: refused. Save "
            "the model again with model.save('model.keras') and upload the new file.",
            "detail": " ".join(f"{type(error).__name__}: {error}".split())[:300],
        }
    else:
        answer = {"ok": True}
    print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    main()
