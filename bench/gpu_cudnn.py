"""GPU check: do LSTM and GRU built with the default choices take the cuDNN path, and how much
faster is an epoch than on the CPU? Keras 3 on any backend (the GPU machine runs torch):

    KERAS_BACKEND=torch python bench/gpu_cudnn.py [sequences] [steps]

Times one epoch of an IMDB-size text model (Embedding 10k x 64, masked padding -> RNN(64) ->
sigmoid) and of a series model (8 features -> RNN(64)) on 25,000 random sequences of 200 steps,
on the GPU when there is one and on the CPU, and prints how often Keras's cuDNN check said yes.
"""

from __future__ import annotations

import itertools
import sys
import time

import _bootstrap  # noqa: F401  (repository root on sys.path)
import keras
import numpy as np

from rnnviz.model.builder import build_model, compile_model
from rnnviz.model.cells import cudnn_blockers
from rnnviz.model.spec import ModelSpec, TrainSpec

CUDNN_CALLS: list[bool] = []


def spy_on_cudnn(backend: str) -> None:
    """Record every answer of the backend's cuDNN eligibility check (torch and jax backends)."""
    if backend not in ("torch", "jax"):
        return
    module = __import__(f"keras.src.backend.{backend}.rnn", fromlist=["cudnn_ok"])
    original = module.cudnn_ok

    def recorded(*args, **kwargs):
        answer = original(*args, **kwargs)
        CUDNN_CALLS.append(bool(answer))
        return answer

    module.cudnn_ok = recorded


def cudnn_engaged() -> str:
    calls, CUDNN_CALLS[:] = list(CUDNN_CALLS), []
    return (
        f"cuDNN eligible in {sum(calls)}/{len(calls)} kernel calls"
        if calls
        else "cuDNN check not reached"
    )


def epoch_seconds(cell: str, device: str, n: int, steps: int, text: bool) -> float:
    """One epoch of a text model (masked Embedding input) or a series model (8 float features)."""
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, size=(n,)).astype("float32")
    if text:
        spec = ModelSpec(cell=cell, units=(64,), vocab_size=10_000, embedding_dim=64, head="binary")
        x, shape = rng.integers(1, 10_000, size=(n, steps)).astype("int32"), (steps,)
    else:
        spec = ModelSpec(cell=cell, units=(64,), head="binary")
        x, shape = rng.normal(size=(n, steps, 8)).astype("float32"), (steps, 8)
    with keras.device(device):
        model = compile_model(build_model(spec, shape), spec, TrainSpec(learning_rate=1e-3))
        model.fit(x[:256], y[:256], batch_size=128, epochs=1, verbose=0)  # warm-up
        start = time.perf_counter()
        model.fit(x, y, batch_size=128, epochs=1, verbose=0)
        seconds = time.perf_counter() - start
    kind = "text (masked)" if text else "series"
    blockers = cudnn_blockers(spec) or "none"
    print(
        f"  {cell} {kind} on {device}: {seconds:.1f} s/epoch; blockers: {blockers}; {cudnn_engaged()}"
    )
    return seconds


def main(n: int = 25_000, steps: int = 200) -> None:
    backend = keras.backend.backend()
    gpu = "gpu:0" if _has_gpu(backend) else None
    spy_on_cudnn(backend)
    print(f"backend {backend}, GPU: {gpu or 'none'}; {n} sequences x {steps} steps")
    for cell, text in itertools.product(("LSTM", "GRU"), (False, True)):
        cpu_n = min(n, 2_000)  # the CPU epoch is timed on a slice and scaled up
        cpu = epoch_seconds(cell, "cpu:0", cpu_n, steps, text) * n / cpu_n
        name = f"{cell} {'text' if text else 'series'}"
        if gpu:
            fast = epoch_seconds(cell, gpu, n, steps, text)
            print(
                f"{name}: CPU {cpu:.1f} s/epoch (scaled), GPU {fast:.1f} s/epoch, x{cpu / fast:.1f}"
            )
        else:
            print(f"{name}: CPU {cpu:.1f} s/epoch (scaled); no GPU here")


def _has_gpu(backend: str) -> bool:
    if backend == "torch":
        import torch

        return torch.cuda.is_available()
    if backend == "jax":
        import jax

        return any(d.platform == "gpu" for d in jax.devices())
    import tensorflow as tf

    return bool(tf.config.list_physical_devices("GPU"))


if __name__ == "__main__":
    main(*[int(a) for a in sys.argv[1:]])
