"""What a Keras ``config.json`` implies before anything is built: how many layers, the shapes of
their weights, the parameter count and the largest tensor.

A ``.keras`` file's configuration decides what Keras allocates when it builds the model, before
it reads a single weight; so an upload is refused here when it would be too large for this
server (:func:`weight_plan` raises :class:`ModelLimitError`). Shapes are followed from the input
through the layers rnnviz knows (the recurrent cells, Dense, Embedding, Conv1D, wrappers and the
shape-only layers); after any other layer the shape the file itself records is used. No Keras,
no streamlit.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from rnnviz.common.messages import user_message

Shape = tuple  # one tensor's shape without the batch dimension; None where unknown

MAX_LAYERS = 64
MAX_PARAMETERS = 10_000_000  # 40 MB of float32 weights
MAX_TENSOR_VALUES = 16_000_000  # one weight, or one sample's output of one layer (64 MB)
MAX_INPUT_WIDTH = 16_384  # features (or tokens) per time step of the input
MODEL_CLASSES = ("Sequential", "Functional", "Model")
GATES = {"SimpleRNN": 1, "LSTM": 4, "GRU": 3}
SAME_SHAPE = frozenset(
    "Dropout SpatialDropout1D GaussianNoise GaussianDropout AlphaDropout Activation Masking ReLU "
    "LeakyReLU ELU PReLU Softmax ActivityRegularization MaxPooling1D AveragePooling1D".split()
)
MERGES = frozenset("Add Subtract Multiply Average Maximum Minimum".split())


class ModelLimitError(ValueError):
    """A model configuration too large (or too odd) to build here; the message can be shown."""


@dataclass
class WeightPlan:
    """What building the model would allocate, as far as its configuration tells."""

    layers: int = 0
    parameters: int = 0
    largest: tuple[int, str] = (0, "")  # (values, which tensor)
    shapes: list[Shape] = field(default_factory=list)  # every weight of the layers known here
    exact: bool = True  # every layer with weights is one whose weights are known here

    def add_weights(self, layer: str, shapes: list[Shape]) -> None:
        for shape in shapes:
            values = math.prod(shape)
            self.parameters += values
            self.note(values, f"a {' x '.join(f'{d:,}' for d in shape)} weight of {layer}")
        self.shapes.extend(shapes)

    def note(self, values: int, what: str) -> None:
        if values > self.largest[0]:
            self.largest = (values, what)


def weight_plan(config: dict) -> WeightPlan:
    """The plan of the model that ``config`` (a parsed config.json) describes; raises
    :class:`ModelLimitError` over :data:`MAX_LAYERS`, :data:`MAX_PARAMETERS`,
    :data:`MAX_TENSOR_VALUES` or :data:`MAX_INPUT_WIDTH`."""
    plan = WeightPlan()
    _model_outputs(config, plan)
    if plan.parameters > MAX_PARAMETERS:
        raise ModelLimitError(
            f"The model declares {plan.parameters:,} parameters (at most {MAX_PARAMETERS:,} "
            "here): too large to build and inspect on this server."
        )
    if plan.largest[0] > MAX_TENSOR_VALUES:
        raise ModelLimitError(
            f"The model declares {plan.largest[1]} ({plan.largest[0]:,} values; at most "
            f"{MAX_TENSOR_VALUES:,} in one tensor here): too large to build and inspect."
        )
    return plan


# -- models ------------------------------------------------------------------------------------


def _model_outputs(config: dict, plan: WeightPlan) -> list[Shape | None]:
    """Walk a (possibly nested) Sequential or functional model; its output shapes."""
    body = config.get("config") if isinstance(config, dict) else None
    layers = body.get("layers") if isinstance(body, dict) else None
    if not isinstance(layers, list):
        raise ModelLimitError("config.json does not describe a Keras model (it has no layers).")
    plan.layers += len(layers)
    if plan.layers > MAX_LAYERS:
        raise ModelLimitError(
            f"The model has {plan.layers:,} layers (at most {MAX_LAYERS} here): too many to "
            "inspect."
        )
    if config.get("class_name") == "Sequential":
        return _sequential(layers, body, plan)
    return _functional(layers, body, plan)


def _sequential(layers: list, body: dict, plan: WeightPlan) -> list[Shape | None]:
    shape = _without_batch(body.get("build_input_shape"))
    for layer in layers:
        declared = _declared_input(layer)
        outputs = _layer(layer, shape if shape is not None else declared, plan)
        shape = outputs[0] if outputs else None
    return [shape]


def _functional(layers: list, body: dict, plan: WeightPlan) -> list[Shape | None]:
    produced: dict[str, list[Shape | None]] = {}
    for layer in layers:
        inputs = [_tensor_shape(tensor, produced) for tensor in _inbound_tensors(layer)]
        if not inputs:
            inputs = [_declared_input(layer)]
        name = layer.get("name") or layer.get("config", {}).get("name")
        produced[str(name)] = _layer(layer, inputs[0] if len(inputs) == 1 else inputs, plan)
    outputs = body.get("output_layers") or []
    return [_tensor_shape({"keras_history": ref}, produced) for ref in outputs if ref] or [None]


def _inbound_tensors(layer: dict) -> Iterator[dict]:
    """The Keras tensors the layer's first call received (its input shapes and producers)."""
    nodes = layer.get("inbound_nodes") or []
    pending = [nodes[0].get("args", [])] if nodes and isinstance(nodes[0], dict) else []
    while pending:
        item = pending.pop(0)
        if isinstance(item, dict) and item.get("class_name") == "__keras_tensor__":
            yield item.get("config") or {}
        elif isinstance(item, list | tuple):
            pending[:0] = list(item)


def _tensor_shape(tensor: dict, produced: dict) -> Shape | None:
    """A tensor's shape as followed through the layers (else as the file records it)."""
    history = tensor.get("keras_history") or []
    if len(history) == 3 and isinstance(history[2], int):
        outputs = produced.get(str(history[0])) or []
        if 0 <= history[2] < len(outputs) and outputs[history[2]] is not None:
            return outputs[history[2]]
    return _without_batch(tensor.get("shape"))


def _declared_input(layer: dict) -> Shape | None:
    build = layer.get("build_config")
    return _without_batch(build.get("input_shape")) if isinstance(build, dict) else None


def _without_batch(shape: object) -> Shape | None:
    if not isinstance(shape, list | tuple) or not shape:
        return None
    if isinstance(shape[0], list | tuple):  # several inputs: the first
        return _without_batch(shape[0])
    dims = tuple(shape[1:])
    if not all(d is None or (_is_int(d) and d >= 0) for d in dims):
        raise ModelLimitError(f"config.json declares a shape that is not whole numbers: {shape}.")
    return dims


# -- layers ------------------------------------------------------------------------------------


def _layer(layer: dict, inputs, plan: WeightPlan) -> list[Shape | None]:
    """Add one layer's weights to ``plan``; its output shapes ([None] when unknown)."""
    kind = layer.get("class_name")
    if kind in MODEL_CLASSES:
        return _model_outputs(layer, plan)
    config = layer.get("config") if isinstance(layer.get("config"), dict) else {}
    name = f"{kind} layer '{config.get('name', '?')}'"
    handler = HANDLERS.get(kind)
    if handler is None:
        plan.exact = False  # a layer not known here: its weights are checked by size only
        return [None]
    try:
        weights, outputs = handler(config, inputs)
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as error:
        if isinstance(error, ModelLimitError):
            raise
        raise ModelLimitError(
            f"config.json describes the {name} in a way Keras does not write "
            f"({user_message(error, 'a setting is missing or of the wrong kind')})."
        ) from None
    plan.add_weights(name, weights)
    for shape in outputs:
        if shape is not None and all(_is_int(d) for d in shape):
            plan.note(math.prod(shape), f"an output of {' x '.join(map(str, shape))} in the {name}")
    return outputs


def _width(inputs) -> int:
    """The last dimension of a single input (what a layer's kernel is sized by)."""
    if not isinstance(inputs, tuple) or not inputs or not _is_int(inputs[-1]):
        raise ValueError(f"its input shape is unknown ({inputs})")
    return inputs[-1]


def _units(config: dict, key: str = "units") -> int:
    value = config[key]
    if not _is_int(value) or value < 1:
        raise ValueError(f"{key}={value!r}")
    return value


def _input_layer(config: dict, _inputs) -> tuple[list, list]:
    shape = _without_batch(config.get("batch_shape") or [None, *(config.get("shape") or [])])
    if shape and _is_int(shape[-1]) and shape[-1] > MAX_INPUT_WIDTH:
        raise ModelLimitError(
            f"The model's input is {shape[-1]:,} wide (at most {MAX_INPUT_WIDTH:,} features per "
            "step here): too large to inspect."
        )
    return [], [shape]


def _recurrent(kind: str) -> Callable:
    def weights(config: dict, inputs) -> tuple[list, list]:
        units, width, gates = _units(config), _width(inputs), GATES[kind]
        shapes = [(width, gates * units), (units, gates * units)]
        if config.get("use_bias", True):
            reset_after = kind == "GRU" and config.get("reset_after", True)
            shapes.append((2, gates * units) if reset_after else (gates * units,))
        main = (*inputs[:-1], units) if config.get("return_sequences") else (units,)
        states = [(units,)] * (2 if kind == "LSTM" else 1) if config.get("return_state") else []
        return shapes, [main, *states]

    return weights


def _bidirectional(config: dict, inputs) -> tuple[list, list]:
    forward = config["layer"]
    backward = config.get("backward_layer") or forward
    shapes, outputs = [], []
    for inner in (forward, backward):
        kind = inner["class_name"]
        if kind not in GATES:
            raise ValueError(f"Bidirectional of {kind}")
        weights, outputs = _recurrent(kind)(inner["config"], inputs)
        shapes += weights
    main = outputs[0]
    merge = config.get("merge_mode", "concat")
    merged = (*main[:-1], 2 * main[-1]) if merge == "concat" else main
    return shapes, [merged, main] if merge is None else [merged]


def _dense(config: dict, inputs) -> tuple[list, list]:
    units, width = _units(config), _width(inputs)
    bias = [(units,)] if config.get("use_bias", True) else []
    return [(width, units), *bias], [(*inputs[:-1], units)]


def _embedding(config: dict, inputs) -> tuple[list, list]:
    rows, width = _units(config, "input_dim"), _units(config, "output_dim")
    return [(rows, width)], [(*(inputs or ()), width)]


def _conv1d(config: dict, inputs) -> tuple[list, list]:
    filters, width = _units(config, "filters"), _width(inputs)
    size = config.get("kernel_size", 1)
    size = size[0] if isinstance(size, list | tuple) else size
    groups = config.get("groups", 1) or 1
    if not _is_int(size) or not _is_int(groups) or size < 1 or width % groups:
        raise ValueError(f"kernel_size={size!r}, groups={groups!r}")
    bias = [(filters,)] if config.get("use_bias", True) else []
    return [(size, width // groups, filters), *bias], [(*inputs[:-1], filters)]


def _time_distributed(config: dict, inputs) -> tuple[list, list]:
    inner = config["layer"]
    handler = HANDLERS.get(inner["class_name"])
    if handler is None or not isinstance(inputs, tuple):
        raise ValueError(f"TimeDistributed of {inner['class_name']}")
    weights, outputs = handler(inner["config"], inputs[1:])
    return weights, [(inputs[0], *shape) if shape is not None else None for shape in outputs]


def _normalization(count: Callable[[dict], int]) -> Callable:
    def weights(config: dict, inputs) -> tuple[list, list]:
        return [(_width(inputs),)] * count(config), [inputs]

    return weights


def _same(_config: dict, inputs) -> tuple[list, list]:
    return [], [inputs]


def _flatten(_config: dict, inputs) -> tuple[list, list]:
    known = isinstance(inputs, tuple) and all(_is_int(d) for d in inputs)
    return [], [(math.prod(inputs),) if known else None]


def _repeat(config: dict, inputs) -> tuple[list, list]:
    return [], [(_units(config, "n"), *inputs)]


def _global_pooling(config: dict, inputs) -> tuple[list, list]:
    return [], [(1, *inputs[1:]) if config.get("keepdims") else tuple(inputs[1:])]


def _reshape(config: dict, _inputs) -> tuple[list, list]:
    return [], [tuple(config["target_shape"])]


def _concatenate(_config: dict, inputs) -> tuple[list, list]:
    shapes = inputs if isinstance(inputs, list) else [inputs]
    if any(shape is None or not _is_int(shape[-1]) for shape in shapes):
        return [], [None]
    return [], [(*shapes[0][:-1], sum(shape[-1] for shape in shapes))]


def _merge(_config: dict, inputs) -> tuple[list, list]:
    return [], [inputs[0] if isinstance(inputs, list) else inputs]


HANDLERS: dict[str, Callable[[dict, object], tuple[list, list]]] = {
    "InputLayer": _input_layer,
    **{kind: _recurrent(kind) for kind in GATES},
    "Bidirectional": _bidirectional,
    "Dense": _dense,
    "Embedding": _embedding,
    "Conv1D": _conv1d,
    "TimeDistributed": _time_distributed,
    "LayerNormalization": _normalization(
        lambda c: int(c.get("center", True)) + int(c.get("scale", True))
    ),
    "BatchNormalization": _normalization(
        lambda c: 2 + int(c.get("center", True)) + int(c.get("scale", True))
    ),
    **dict.fromkeys(SAME_SHAPE, _same),
    "Flatten": _flatten,
    "RepeatVector": _repeat,
    "GlobalAveragePooling1D": _global_pooling,
    "GlobalMaxPooling1D": _global_pooling,
    "Reshape": _reshape,
    "Concatenate": _concatenate,
    **dict.fromkeys(MERGES, _merge),
}


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
