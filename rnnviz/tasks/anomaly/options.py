"""The autoencoder's own settings in ``ModelSpec.options`` (light: no Keras): ``code_size``,
``decoder`` ("repeat" or "state") and ``reverse`` (rebuild the window back to front)."""

from __future__ import annotations

from typing import Literal

import numpy as np

from rnnviz.model.spec import ModelSpec

ARCHITECTURE = "autoencoder"
DecoderMode = Literal["repeat", "state"]
DECODERS: dict[str, str] = {
    "repeat": "Repeat the code at every step (the decoder's input)",
    "state": "The code as the decoder's initial state (zero input)",
}
DEFAULT_OPTIONS: dict[str, object] = {"code_size": 8, "decoder": "repeat", "reverse": True}


def option(spec: ModelSpec, name: str) -> object:
    """An autoencoder setting of ``spec`` (its default when unset)."""
    return spec.option(name, DEFAULT_OPTIONS[name])


def autoencoder_options(code_size: int, decoder: str, reverse: bool) -> tuple:
    """``ModelSpec.options`` of an autoencoder."""
    if code_size < 1:
        raise ValueError("The code needs at least one value.")
    if decoder not in DECODERS:
        raise ValueError(f"decoder must be one of {tuple(DECODERS)}, got {decoder!r}")
    return (("code_size", int(code_size)), ("decoder", decoder), ("reverse", bool(reverse)))


def training_target(spec: ModelSpec, x: np.ndarray) -> np.ndarray:
    """What the model learns to output for windows ``x``: them, back to front when reversed."""
    return x[:, ::-1] if option(spec, "reverse") else x
