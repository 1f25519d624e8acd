"""The template of every script rnnviz exports (run as it is, it trains a tiny forecast).

rnnviz.export.codegen writes an export from this file: it keeps the code between ``<task>`` markers
of the exported task only (here every task's code stays, each registering its input layer and its
data preparation), and replaces this docstring, the settings between the ``<settings>`` markers and
the data between the ``<data>`` markers. The rest is copied as it is, so what the tests lint and
run here is what every export runs. It needs only Keras 3 (with a backend) and NumPy (and
statsmodels for a forecast's SARIMA baseline, the ``<sarima>`` block).

It prints three parseable lines: ``Parameters: N``, ``LOSS first=... last=...`` and a test
score (``Test RMSE (original units): X`` for a forecast, ``Test accuracy: X`` for texts and
sequences, ``Validation bits per character: X`` and a generated sample for a character
model). A block marked for several tasks (``<a,b>``) is kept for each of them.
"""

# <data_file>
import csv
import pathlib

# </data_file>
# <sentiment>
import re

# </sentiment>
import keras
import numpy as np

# --- 1. Settings (as chosen in rnnviz) -----------------------------------------------------------
# <settings>
TASK = "forecast"  # "forecast", "sentiment", "sequences" or "generation"
DATASET = "template"
# <data_file>
# The data rnnviz kept for the run (downloaded from its Runs page; a relative path is read from
# beside this script).
DATA_FILE = "data.csv"
# </data_file>
# <forecast>
COLUMNS = ["value"]  # the target first, then any extra inputs
WINDOW = 6  # look-back: past steps each prediction reads
# </forecast>
HORIZON = 1  # future steps predicted per window (an encoder-decoder's output steps)
# <forecast>
TEST_SIZE = 8  # rows at the end held out for the test
VAL_SIZE = 6  # rows before those, for validation (0: none)
TRANSFORM = "none"  # on the target: "none", "log", "diff", "log_diff", "seasonal_diff", ...
LAG = 0  # rows a difference spans: 1, a season for a seasonal difference, 0 without one
SEASON = 0  # rows of one season, read by "seasonal_profile" (0: none)
HARMONICS = 0  # sine-cosine pairs of the season in that profile
SCALER = "standard"  # "standard", "minmax" or "none"; fit on training rows
# </forecast>
# <sarima>
# The SARIMA baseline rnnviz chose for the series (the order search's pick; statsmodels' SARIMAX).
SARIMA_ORDER = [1, 0, 0]  # (p, d, q)
SARIMA_SEASONAL_ORDER = [0, 1, 1, 4]  # (P, D, Q, rows of a season)
SARIMA_TREND = "c"  # "c": a constant (a drift after one difference), "n": none
SARIMA_LOG = False  # fit on the logarithm of the values
# </sarima>
# <sentiment>
MAX_LEN = 0  # token ids read per text (padded or cut)
VOCAB_SIZE = 0  # ids of the embedding (0 = padding, 1 = unknown word)
EMBEDDING_DIM = 0  # size of each word vector
# fixed columns beside each word vector (WORD_FEATURES below; 0: none)
FIXED_FEATURES = 0
# fixed columns per pair of words, the word and the one before it (PAIR_FEATURES_TABLE; 0: none)
PAIR_FEATURES = 0
# </sentiment>
# <rcnn>
KERNEL_SIZES = [1, 2, 3, 4]  # RCNN: words per convolution window, one branch per size
FILTERS = 8  # convolution filters per kernel size
POOLING = "both"  # over the text: "avg", "max" or "both" (average and max, concatenated)
DROPOUT = 0.0  # of the pooled features, before the head (also the context layer's input dropout)
# </rcnn>
# <generation>
SEQ_LEN = 0  # characters read per training sequence
STRIDE = 0  # characters between the starts of two training sequences (stateless)
VAL_FRACTION = 0.1  # the last share of the text validates (one contiguous block)
CHAR_EMBEDDING_DIM = 0  # size of each character vector
PROMPT = "\n"  # the text a sample starts from
TEMPERATURE = 0.8  # sampling temperature (0: always the likeliest character)
SAMPLE_LENGTH = 200  # characters generated after the prompt
# </generation>
# <sequences>
STEPS = 0  # steps of every sequence (shorter ones are padded at the end)
FEATURES = 0  # values per step
SCALE_MEAN = [0.0]  # per feature: scaled = (value - SCALE_MEAN) / SCALE_STD (training steps)
SCALE_STD = [1.0]
MASK_VALUE = None  # written into padded steps, which a Masking layer skips (None: no padding)
CLASSES = ["a", "b"]  # class names: label k is CLASSES[k]
# </sequences>

CELL = "LSTM"  # keras.layers.<CELL>
UNITS = [4]  # one entry per stacked recurrent layer
BIDIRECTIONAL = False
MERGE_MODE = "concat"  # how a bidirectional layer joins its two directions
TOPOLOGY = "many_to_one"  # "many_to_one", "many_to_many" or "encoder_decoder"
STATEFUL = False  # carry the state from one batch to the next (fixed batch size)
LAYER_OPTIONS = {}  # options of each recurrent layer that differ from Keras's defaults
OUTPUT_DROPOUT = 0.0  # of the last recurrent layer's outputs, before the head (while training)
READ_OUT = "last"  # many-to-one: the head reads the final state, or "mean" over the steps
HEAD = "regression"  # "regression", "binary" (sigmoid) or "multiclass" (softmax)
N_OUTPUTS = 1  # values per output step (regression) or classes (multiclass)

SEED = 7  # fixes the initial weights and the shuffling
EPOCHS = 3
BATCH_SIZE = 8
OPTIMIZER = "adam"
LEARNING_RATE = 0.01
CLIPNORM = 1.0  # gradients clipped to this norm (None: no clipping)
PATIENCE = 3  # epochs without improvement before stopping (EPOCHS: never stops early)
KEEP_WEIGHTS = "best"  # "best": the best validation epoch's weights; "last": the last epoch's
LR_SCHEDULE = "constant"  # "cosine": from LEARNING_RATE down to 2% of it by the last epoch
# </settings>


# --- 2. The task: its data in, its test score out ------------------------------------------------
MODEL_INPUT = {}  # per task: a function giving the model's input layers
PREPARE = {}  # per task: a function giving the fit arrays and the test report
OWN_MODEL = {}  # per task: a function building its own architecture from the model input


# <data_file>
def read_data_file() -> dict[str, list[str]]:
    """The table rnnviz kept for the run (DATA_FILE, a plain UTF-8 CSV): {column: its values}."""
    with open(pathlib.Path(__file__).parent / DATA_FILE, encoding="utf-8", newline="") as file:
        header, *rows = csv.reader(file)
    return {name: [row[i] for row in rows] for i, name in enumerate(header)}


# </data_file>


# <forecast>
def load_series() -> np.ndarray:
    """The series as a (rows, features) array: the target first, then the extra inputs."""
    return np.column_stack([np.asarray(DATA[name], dtype=np.float64) for name in COLUMNS])


def seasonal_profile(target: np.ndarray) -> np.ndarray:
    """A smooth seasonal profile at every row: a constant and HARMONICS sine-cosine pairs of
    the season, fit by least squares on the training rows."""
    rows = np.arange(len(target), dtype=np.float64)
    angle = 2 * np.pi * np.outer(rows, np.arange(1, HARMONICS + 1)) / SEASON
    basis = np.column_stack([np.ones(len(angle)), np.sin(angle), np.cos(angle)])
    train_end = len(target) - TEST_SIZE - VAL_SIZE
    coefficients = np.linalg.lstsq(basis[:train_end], target[:train_end], rcond=None)[0]
    return (basis @ coefficients).reshape(rows.shape)


def transform_target(target: np.ndarray) -> np.ndarray:
    """The target in transformed units; a difference leaves NaN in its first LAG rows (nothing
    LAG rows before them); "seasonal_profile" is the deviation from that profile."""
    if TRANSFORM == "seasonal_profile":
        return target - seasonal_profile(target)
    values = np.log(target) if TRANSFORM.startswith("log") else target.copy()
    if LAG:
        values = np.concatenate([np.full(LAG, np.nan), values[LAG:] - values[:-LAG]])
    return values


def make_windows(values: np.ndarray) -> tuple[dict, float, float]:
    """Transform, scale and cut the series into windows, split by time.

    Rows are split in time order: train, then VAL_SIZE validation rows, then TEST_SIZE test rows.
    Every column is scaled as SCALER says (standardised, min-max or not at all) with statistics
    from the training rows only, so nothing about the validation or test rows leaks into training.

    A window whose first target row is ``s`` reads rows ``s - WINDOW .. s - 1`` and predicts rows
    ``s .. s + HORIZON - 1``; it belongs to the split holding all its target rows.
    Returns ``{split: (x, y, start)}`` and the target's centre and spread (scaled = (value -
    centre) / spread).
    """
    n_rows = len(values)
    lost = LAG  # a difference has no value in its first LAG rows
    features = values.copy()
    features[:, 0] = transform_target(values[:, 0])
    val_end = n_rows - TEST_SIZE
    train_end = val_end - VAL_SIZE
    train_rows = features[lost:train_end]
    if SCALER == "minmax":  # the training rows span 0 to 1
        centre, spread = train_rows.min(axis=0), np.ptp(train_rows, axis=0)
    elif SCALER == "none":
        centre, spread = np.zeros(values.shape[1]), np.ones(values.shape[1])
    else:  # standardise: mean 0, standard deviation 1 on the training rows
        centre, spread = train_rows.mean(axis=0), train_rows.std(axis=0)
    spread = np.where(spread > 0, spread, 1.0)  # a constant column keeps its centred values
    scaled = (features - centre) / spread  # (rows, features)

    starts = np.arange(lost + WINDOW, n_rows - HORIZON + 1)  # first target row of each window
    x = np.stack([scaled[s - WINDOW : s] for s in starts])  # (windows, WINDOW, features)
    y = np.stack([scaled[s : s + HORIZON, 0] for s in starts])  # (windows, HORIZON)
    bounds = {"train": (0, train_end), "val": (train_end, val_end), "test": (val_end, n_rows)}
    splits = {}
    for name, (low, high) in bounds.items():
        keep = (starts >= low) & (starts + HORIZON <= high)
        splits[name] = (x[keep].astype(np.float32), y[keep].astype(np.float32), starts[keep])
    return splits, centre[0], spread[0]


def model_targets(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Inputs and targets shaped like the model's output."""
    if TOPOLOGY == "many_to_one":
        return x, y[:, :1]  # (windows, 1): the next value
    if TOPOLOGY == "many_to_many":
        # The target is feature 0, so the value after every input step is the input shifted by one.
        per_step = np.concatenate([x[:, 1:, 0], y[:, :1]], axis=1)  # (windows, WINDOW)
        return x, per_step[..., None]  # (windows, WINDOW, 1)
    return x, y[..., None]  # (windows, HORIZON, 1): one value per decoder step


def predict_steps(model: keras.Model, x: np.ndarray) -> np.ndarray:
    """Scaled predictions of the consecutive target steps of each window."""
    out = model.predict(x, batch_size=256, verbose=0)
    if TOPOLOGY == "many_to_one":
        return out[:, :1]  # (windows, 1)
    if TOPOLOGY == "many_to_many":
        return out[:, -1, :1]  # (windows, 1): the step after the last input
    return out[..., 0]  # (windows, HORIZON)


def to_original(
    scaled: np.ndarray, start: np.ndarray, target: np.ndarray, mean: float, std: float
) -> np.ndarray:
    """Scaled, transformed predictions for rows ``start ..`` back in the series' units."""
    z = scaled * std + mean  # undo the scaling
    if TRANSFORM == "seasonal_profile":  # add the profile back at each predicted row
        return z + seasonal_profile(target)[start[:, None] + np.arange(z.shape[1])]
    if LAG:
        # Add each predicted change onto the level LAG rows before it: an observed row, or a step
        # already rebuilt.
        levels = np.log(target) if TRANSFORM.startswith("log") else target
        for j in range(z.shape[1]):
            z[:, j] += z[:, j - LAG] if j >= LAG else levels[start + j - LAG]
    return np.exp(z) if TRANSFORM.startswith("log") else z


def rmse(actual: np.ndarray, predicted: np.ndarray) -> float:
    """Root mean squared error, in the units of the data."""
    return float(np.sqrt(np.mean((actual - predicted) ** 2)))


def report_forecast(predictor: keras.Model, splits: dict, values: np.ndarray, scale) -> None:
    """Test predictions back in the series' units, against the actual values."""
    x_test, _, start = splits["test"]
    target = values[:, 0]
    predicted = to_original(predict_steps(predictor, x_test), start, target, *scale)
    actual = target[start[:, None] + np.arange(predicted.shape[1])]
    steps = np.arange(1, predicted.shape[1] + 1)
    naive = np.repeat(target[start - 1][:, None], predicted.shape[1], axis=1)
    mean = np.full(predicted.shape, target[: len(target) - TEST_SIZE - VAL_SIZE].mean())
    slope = (target[start - 1] - target[0]) / np.maximum(start - 1, 1)
    drift = target[start - 1][:, None] + slope[:, None] * steps[None, :]
    print(f"Test RMSE (original units): {rmse(actual, predicted):.4f}")
    print(f"Naive last-value RMSE: {rmse(actual, naive):.4f}")
    print(f"Training-mean RMSE: {rmse(actual, mean):.4f}")
    print(f"Drift RMSE: {rmse(actual, drift):.4f}")
    for label, baseline in FITTED_BASELINES.items():
        print(f"{label} RMSE: {rmse(actual, baseline(target, start, predicted.shape[1])):.4f}")


FITTED_BASELINES = {}  # label -> forecast(target, origins, steps): models fit on training rows


def forecast_input(batch_size: int | None) -> tuple:
    """The input layer: windows of WINDOW steps of every column."""
    inputs = keras.Input(shape=(WINDOW, len(COLUMNS)), batch_size=batch_size, name="input")
    return inputs, inputs


def prepare_forecast() -> tuple:
    """The training and validation windows, and what reports the test score."""
    values = load_series()
    splits, *scale = make_windows(values)
    fit = {name: model_targets(*splits[name][:2]) for name in ("train", "val")}
    return fit, lambda predictor: report_forecast(predictor, splits, values, scale)


MODEL_INPUT["forecast"], PREPARE["forecast"] = forecast_input, prepare_forecast
# </forecast>


# <sarima>
def sarima_forecast(target: np.ndarray, start: np.ndarray, steps: int) -> np.ndarray:
    """(origins, steps) SARIMA forecasts: fit on the training rows (differenced first, as
    rnnviz fits it), then with the parameters held, each origin's forecast reads the rows
    before it."""
    import warnings

    from statsmodels.tsa.statespace.sarimax import SARIMAX

    values = np.log(target) if SARIMA_LOG else target
    train_end = len(target) - TEST_SIZE - VAL_SIZE

    def model(rows: np.ndarray, simple_differencing: bool) -> SARIMAX:
        return SARIMAX(
            rows,
            order=SARIMA_ORDER,
            seasonal_order=SARIMA_SEASONAL_ORDER,
            trend=SARIMA_TREND,
            simple_differencing=simple_differencing,
        )

    with warnings.catch_warnings():  # convergence chatter
        warnings.simplefilter("ignore")
        params = model(values[:train_end], True).fit(disp=False, cov_type="none").params
        out = np.array([model(values[:s], False).filter(params).forecast(steps) for s in start])
    return np.exp(out) if SARIMA_LOG else out


FITTED_BASELINES["SARIMA"] = sarima_forecast
# </sarima>


# <sentiment>
TOKEN = re.compile(r"[^\W_]+(?:'[^\W_]+)*|[^\w\s]")


def tokenize(text: str) -> list[str]:
    """Lower-case words (keeping inner apostrophes: don't, it's) and single punctuation marks."""
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    return TOKEN.findall(text)


def encode(texts: list[str]) -> np.ndarray:
    """Token ids (texts, MAX_LEN), padded with 0 at the end; a long text keeps its start."""
    index = {token: i for i, token in enumerate(VOCABULARY)}
    out = np.zeros((len(texts), MAX_LEN), dtype=np.int32)
    for row, text in enumerate(texts):
        ids = [index.get(token, 1) for token in tokenize(text)][:MAX_LEN]
        out[row, : len(ids)] = ids
    return out


def text_splits() -> dict:
    """``{split: (token ids, labels)}`` for the train, validation and test texts."""
    return {
        name: (encode(TEXTS[name]), np.asarray(LABELS[name], dtype=np.int64))
        for name in ("train", "val", "test")
    }


# </sentiment>


# <sentiment,sequences>
def report_classifier(predictor: keras.Model, fit: dict) -> None:
    """Test accuracy, against always answering the most frequent class."""
    x_test, y_test = fit["test"]
    out = predictor.predict(x_test, batch_size=256, verbose=0)
    predicted = (out[:, 0] > 0.5).astype(int) if HEAD == "binary" else out.argmax(axis=1)
    majority = np.bincount(y_test).max() / len(y_test)
    print(f"Test accuracy: {np.mean(predicted == y_test):.4f}")
    print(f"Majority-class accuracy: {majority:.4f}")


# </sentiment,sequences>


# <sentiment>
PAIR_BUCKETS, PAIR_MULTIPLIER = 1 << 18, 7919  # word pairs are hashed into PAIR_BUCKETS ids


class WordPairs(keras.layers.Layer):
    """(batch, time) token ids -> (batch, time) ids of each word with the one before it."""

    def __init__(self, buckets: int = PAIR_BUCKETS, **kwargs) -> None:
        super().__init__(**kwargs)
        self.buckets = buckets

    def call(self, ids):
        ids = keras.ops.cast(ids, "int32")
        before = keras.ops.pad(ids[:, :-1], [[0, 0], [1, 0]])  # 0 before the first word
        hashed = keras.ops.mod(before * PAIR_MULTIPLIER + ids, self.buckets - 1) + 1
        return keras.ops.where(keras.ops.equal(ids, 0), keras.ops.zeros_like(ids), hashed)

    def get_config(self) -> dict:
        return {**super().get_config(), "buckets": self.buckets}


def sentiment_input(batch_size: int | None) -> tuple:
    """The input layer (token ids) and the word vectors; token 0 is padding, masked out."""
    inputs = keras.Input(shape=(MAX_LEN,), batch_size=batch_size, dtype="int32", name="input")
    x = keras.layers.Embedding(VOCAB_SIZE, EMBEDDING_DIM, mask_zero=True, name="embedding")
    x = x(inputs)  # (batch, MAX_LEN, EMBEDDING_DIM)
    # tables training never changes, joined to each word's learned vector: per word, per pair
    pairs = WordPairs(name="word_pairs")(inputs) if PAIR_FEATURES else None
    pair_rows = np.zeros((PAIR_BUCKETS, PAIR_FEATURES), dtype="float32")
    for bucket, row in PAIR_FEATURES_TABLE.items():
        pair_rows[bucket] = row
    tables = [
        ("word_features", inputs, np.asarray(WORD_FEATURES, dtype="float32"), FIXED_FEATURES),
        ("pair_features", pairs, pair_rows, PAIR_FEATURES),
    ]
    fixed = []
    for name, keys, rows, columns in tables:
        if columns:
            layer = keras.layers.Embedding(
                len(rows),
                columns,
                mask_zero=True,
                embeddings_initializer="zeros",
                trainable=False,
                name=name,
            )
            fixed.append(layer(keys))
            layer.set_weights([rows])  # (ids, columns)
    if fixed:
        x = keras.layers.Concatenate(name="with_features")([x, *fixed])
    return inputs, x


def prepare_sentiment() -> tuple:
    """The encoded splits, and what reports the test score."""
    fit = text_splits()
    return fit, lambda predictor: report_classifier(predictor, fit)


MODEL_INPUT["sentiment"], PREPARE["sentiment"] = sentiment_input, prepare_sentiment
# </sentiment>


# <generation>
def char_vocabulary() -> list[str]:
    """Every character of TEXT, most frequent first (ties by code point): id i is chars[i]."""
    counts = {char: TEXT.count(char) for char in set(TEXT)}
    return sorted(counts, key=lambda char: (-counts[char], char))


class CharWindows(keras.utils.PyDataset):
    """Sequences of SEQ_LEN ids every ``stride`` characters and their targets (the next ids),
    cut a batch at a time from the one copy of ``ids``: memory grows with the text, never with
    windows x SEQ_LEN (a 10 MB text with stride 1 would be 10 million windows)."""

    def __init__(self, ids: np.ndarray, stride: int, shuffle: bool = False) -> None:
        super().__init__()
        self.ids = ids  # (characters,) int32, not copied
        n = max(0, (len(ids) - 1 - SEQ_LEN) // stride + 1)
        self.starts = np.arange(n, dtype=np.int64) * stride  # (windows,) first id of each
        self.shuffle, self.rng = shuffle, np.random.default_rng(SEED)
        if shuffle:
            self.rng.shuffle(self.starts)

    def __len__(self) -> int:
        return -(-len(self.starts) // BATCH_SIZE)  # batches, the last one maybe short

    def __getitem__(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        starts = self.starts[k * BATCH_SIZE : (k + 1) * BATCH_SIZE]  # (batch,)
        positions = starts[:, None] + np.arange(SEQ_LEN)  # (batch, SEQ_LEN)
        return self.ids[positions], self.ids[positions + 1]

    def on_epoch_end(self) -> None:
        if self.shuffle:
            self.rng.shuffle(self.starts)

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """Every window at once, in order (for stride SEQ_LEN: about the text's own size)."""
        positions = np.sort(self.starts)[:, None] + np.arange(SEQ_LEN)  # (windows, SEQ_LEN)
        return self.ids[positions], self.ids[positions + 1]


def char_streams(ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The stateful (char-rnn) layout: the text cut into BATCH_SIZE contiguous streams; row i of
    batch k + 1 continues row i of batch k."""
    stream = (len(ids) - 1) // BATCH_SIZE
    n_batches = stream // SEQ_LEN
    used = n_batches * SEQ_LEN
    positions = (np.arange(BATCH_SIZE) * stream)[:, None] + np.arange(used)  # (batch, used)

    def batch_major(a: np.ndarray) -> np.ndarray:
        a = a.reshape(BATCH_SIZE, n_batches, SEQ_LEN).transpose(1, 0, 2)
        return a.reshape(n_batches * BATCH_SIZE, SEQ_LEN)

    return batch_major(ids[positions]), batch_major(ids[positions + 1])


def char_splits() -> tuple[dict, list[str]]:
    """The fit arrays of the contiguous train / validation blocks, and the vocabulary."""
    chars = char_vocabulary()
    index = {char: i for i, char in enumerate(chars)}
    ids = np.array([index[char] for char in TEXT], dtype=np.int32)
    cut = int(round(len(ids) * (1.0 - VAL_FRACTION)))
    train_ids, val_ids = ids[:cut], ids[cut:]
    fit = {"val_windows": CharWindows(val_ids, SEQ_LEN)}  # each character scored once
    if STATEFUL:
        fit["train"] = char_streams(train_ids)
        long_enough = (len(val_ids) - 1) // BATCH_SIZE >= SEQ_LEN
        fit["val"] = char_streams(val_ids) if long_enough else fit["val_windows"].arrays()
    else:
        fit["train"] = CharWindows(train_ids, STRIDE, shuffle=True)
        fit["val"] = fit["val_windows"]
    return fit, chars


def sample(predictor: keras.Model, chars: list[str], seed: int) -> str:
    """SAMPLE_LENGTH characters after PROMPT from a one-step stateful copy of the model."""
    inputs = keras.Input(shape=(1,), batch_size=1, dtype="int32", name="input")
    x = keras.layers.Embedding(len(chars), CHAR_EMBEDDING_DIM, name="embedding")(inputs)
    x = recurrent_stack(x, "rnn", True, stateful=True)
    outputs = keras.layers.TimeDistributed(head_layer(), name="head")(x)
    stepper = keras.Model(inputs, outputs)
    stepper.set_weights(predictor.get_weights())
    rng = np.random.default_rng(seed)
    index = {char: i for i, char in enumerate(chars)}
    for char in PROMPT:  # read the prompt
        probs = stepper.predict_on_batch(np.array([[index[char]]], dtype=np.int32))[0, -1]
    out = []
    for _ in range(SAMPLE_LENGTH):
        probs = np.asarray(probs, dtype=np.float64)
        if TEMPERATURE == 0:
            choice = int(np.argmax(probs))  # greedy
        else:
            weights = np.exp(np.log(np.maximum(probs, 1e-300)) / TEMPERATURE)
            choice = int(rng.choice(len(chars), p=weights / weights.sum()))
        out.append(chars[choice])
        probs = stepper.predict_on_batch(np.array([[choice]], dtype=np.int32))[0, -1]
    return "".join(out)


def report_generation(predictor: keras.Model, fit: dict, chars: list[str]) -> None:
    """Validation bits per character (each window from a zero state), and a sample."""
    windows = fit["val_windows"]
    total, count = 0.0, 0
    for k in range(len(windows)):  # a batch at a time: probabilities are windows x vocabulary
        x_val, y_val = windows[k]
        probs = predictor.predict_on_batch(x_val)  # (batch, SEQ_LEN, vocabulary)
        chosen = np.take_along_axis(
            np.asarray(probs), y_val[..., None], axis=-1
        )  # (batch, SEQ_LEN, 1)
        total -= float(np.sum(np.log2(np.maximum(chosen, 1e-12))))
        count += chosen.size
    bits = total / max(count, 1)
    print(f"Validation bits per character: {bits:.4f}")
    print(f"Sample (temperature {TEMPERATURE}):\n{PROMPT}{sample(predictor, chars, SEED)}")


def generation_input(batch_size: int | None) -> tuple:
    """The input layer (character ids) and the character vectors; nothing is masked."""
    inputs = keras.Input(shape=(SEQ_LEN,), batch_size=batch_size, dtype="int32", name="input")
    vocabulary = len(char_vocabulary())
    x = keras.layers.Embedding(vocabulary, CHAR_EMBEDDING_DIM, name="embedding")(inputs)
    return inputs, x


def prepare_generation() -> tuple:
    """The training and validation sequences, and what reports the validation score."""
    fit, chars = char_splits()
    return fit, lambda predictor: report_generation(predictor, fit, chars)


MODEL_INPUT["generation"], PREPARE["generation"] = generation_input, prepare_generation
# </generation>


# <sequences>
def load_sequences() -> dict:
    """The sequences as rnnviz loads them, unscaled and padded with 0 to STEPS steps: ``x``
    (n, STEPS, FEATURES), ``lengths`` (real steps), ``y`` (labels) and the rows of each split."""
    import base64
    import io
    import zlib

    packed = zlib.decompress(base64.b64decode(SEQUENCES))
    with np.load(io.BytesIO(packed)) as arrays:
        return {name: arrays[name] for name in arrays.files}


def sequence_splits() -> dict:
    """``{split: (x, y)}``: each sequence scaled, its padded steps set to MASK_VALUE."""
    arrays = load_sequences()
    x = arrays["x"].astype(np.float32)
    mean = np.asarray(SCALE_MEAN, dtype=np.float32)
    std = np.asarray(SCALE_STD, dtype=np.float32)
    scaled = ((x - mean) / std).astype(np.float32)  # (n, STEPS, FEATURES)
    real = np.arange(STEPS)[None, :] < arrays["lengths"][:, None]  # (n, STEPS): not padding
    scaled[~real] = MASK_VALUE if MASK_VALUE is not None else 0.0
    splits = {}
    for name in ("train", "val", "test"):
        rows = arrays[f"rows_{name}"]
        splits[name] = (scaled[rows], arrays["y"][rows].astype(np.int32))
    return splits


def sequences_input(batch_size: int | None) -> tuple:
    """The input layer (STEPS steps of FEATURES values), masking the padding if there is any."""
    inputs = keras.Input(shape=(STEPS, FEATURES), batch_size=batch_size, name="input")
    if MASK_VALUE is None:
        return inputs, inputs
    return inputs, keras.layers.Masking(mask_value=MASK_VALUE, name="masking")(inputs)


def prepare_sequences() -> tuple:
    """The scaled splits, and what reports the test score."""
    fit = sequence_splits()
    return fit, lambda predictor: report_classifier(predictor, fit)


MODEL_INPUT["sequences"], PREPARE["sequences"] = sequences_input, prepare_sequences
# </sequences>


# --- 3. Model ------------------------------------------------------------------------------------
def recurrent_layer(units: int, return_sequences: bool, name: str, stateful: bool):
    """One recurrent layer, wrapped in Bidirectional when chosen."""
    cell = getattr(keras.layers, CELL)
    if not BIDIRECTIONAL:
        return cell(
            units, return_sequences=return_sequences, stateful=stateful, name=name, **LAYER_OPTIONS
        )
    inner = cell(units, return_sequences=return_sequences, stateful=stateful, **LAYER_OPTIONS)
    return keras.layers.Bidirectional(inner, merge_mode=MERGE_MODE, name=name)


def recurrent_stack(x, prefix: str, sequences_out: bool, stateful: bool):
    """The stacked layers: every layer but the last passes on every step."""
    for depth, units in enumerate(UNITS, start=1):
        return_sequences = sequences_out or depth < len(UNITS)
        x = recurrent_layer(units, return_sequences, f"{prefix}_{depth}", stateful)(x)
    return x


def head_layer() -> keras.layers.Dense:
    if HEAD == "binary":
        return keras.layers.Dense(1, activation="sigmoid", name="head")
    if HEAD == "multiclass":
        return keras.layers.Dense(N_OUTPUTS, activation="softmax", name="head")
    return keras.layers.Dense(N_OUTPUTS, name="head")


def build_model(stateful: bool = STATEFUL) -> keras.Model:
    """The network chosen in rnnviz, with the same layer names.

    A stateful model has a fixed batch size; the same network without carried state (stateful
    False) makes the predictions with the same weights.
    """
    inputs, x = MODEL_INPUT[TASK](BATCH_SIZE if stateful else None)
    if TASK in OWN_MODEL:  # the task's own architecture instead of the recurrent stack
        return OWN_MODEL[TASK](inputs, x)
    if TOPOLOGY == "encoder_decoder":
        x = recurrent_stack(x, "encoder", False, stateful)  # (batch, units): the summary
        x = keras.layers.RepeatVector(HORIZON, name="repeat")(x)  # once per output step
        x = recurrent_stack(x, "decoder", True, stateful)  # (batch, HORIZON, units)
    elif TOPOLOGY == "many_to_one" and READ_OUT == "mean":
        x = recurrent_stack(x, "rnn", True, stateful)  # (batch, time, units)
        x = keras.layers.GlobalAveragePooling1D(name="mean_over_steps")(x)  # masked: real steps
    else:
        x = recurrent_stack(x, "rnn", TOPOLOGY == "many_to_many", stateful)
    if OUTPUT_DROPOUT > 0:
        x = keras.layers.Dropout(OUTPUT_DROPOUT, seed=0, name="output_dropout")(x)
    if len(x.shape) == 3:  # the same Dense layer applied at every step
        outputs = keras.layers.TimeDistributed(head_layer(), name="head")(x)
    else:
        outputs = head_layer()(x)
    return keras.Model(inputs, outputs, name=f"{CELL.lower()}_{TOPOLOGY}")


# <rcnn>
def rcnn_model(inputs, embedded) -> keras.Model:
    """The RCNN chosen in rnnviz, with the same layer names: a recurrent context over the word
    vectors (batch, MAX_LEN, EMBEDDING_DIM), [word; context] per word, one convolution per kernel
    size (ReLU), pooled over the text, concatenated, the head. Convolutions take no mask: their
    windows also cover padding."""
    context = recurrent_layer(UNITS[0], True, "context", False)(embedded)
    joined = keras.layers.Concatenate(name="join")([embedded, context])
    pools = {"avg": keras.layers.GlobalAveragePooling1D, "max": keras.layers.GlobalMaxPooling1D}
    pooled = []
    for k in KERNEL_SIZES:
        fired = keras.layers.Conv1D(FILTERS, k, activation="relu", name=f"conv_k{k}")(joined)
        for kind in ("avg", "max") if POOLING == "both" else (POOLING,):
            pooled.append(pools[kind](name=f"{kind}_k{k}")(fired))  # (batch, FILTERS)
    x = pooled[0] if len(pooled) == 1 else keras.layers.Concatenate(name="pooled")(pooled)
    if DROPOUT > 0:
        x = keras.layers.Dropout(DROPOUT, name="dropout")(x)
    return keras.Model(inputs, head_layer()(x), name="rcnn")


OWN_MODEL["sentiment"] = rcnn_model


# </rcnn>


def compile_model(model: keras.Model) -> None:
    """The loss and metric of the head, and the optimizer chosen."""
    optimizers = {
        "adam": keras.optimizers.Adam,
        "rmsprop": keras.optimizers.RMSprop,
        "sgd": keras.optimizers.SGD,
    }
    optimizer = optimizers[OPTIMIZER](learning_rate=LEARNING_RATE, clipnorm=CLIPNORM)
    loss = {
        "regression": "mse",
        "binary": "binary_crossentropy",
        "multiclass": "sparse_categorical_crossentropy",
    }[HEAD]
    metric = "mae" if HEAD == "regression" else "accuracy"
    model.compile(optimizer=optimizer, loss=loss, metrics=[metric])


# --- 4. Training ---------------------------------------------------------------------------------
class ResetStates(keras.callbacks.Callback):
    """Zero the carried state before every epoch (each epoch reads the series from the start)
    and around validation."""

    def on_epoch_begin(self, epoch, logs=None):
        self._reset()

    def on_test_begin(self, logs=None):
        self._reset()

    def on_test_end(self, logs=None):
        self._reset()

    def _reset(self):
        for layer in self.model.layers:
            if getattr(layer, "stateful", False):
                layer.reset_states()


def trim_to_batches(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Drop the oldest windows so the count is a whole number of batches."""
    usable = len(x) - len(x) % BATCH_SIZE
    return x[len(x) - usable :], y[len(y) - usable :]


def fit_data(fit: dict) -> dict:
    """model.fit's data arguments: a keras.utils.PyDataset (windows cut lazily) batches and
    shuffles itself; arrays are batched here, a stateful model's trimmed to whole batches."""
    if isinstance(fit["train"], keras.utils.PyDataset):
        return {"x": fit["train"], "validation_data": fit["val"] if len(fit["val"]) else None}
    (x_train, y_train), (x_val, y_val) = fit["train"], fit["val"]
    if STATEFUL:
        x_train, y_train = trim_to_batches(x_train, y_train)
        x_val, y_val = trim_to_batches(x_val, y_val)
    return {
        "x": x_train,
        "y": y_train,
        "batch_size": BATCH_SIZE,
        "shuffle": not STATEFUL,  # a stateful model reads its batches in time order
        "validation_data": (x_val, y_val) if len(x_val) else None,
    }


def scheduled_rate(epoch: int, rate: float) -> float:
    """The learning rate of an epoch (0-based): LEARNING_RATE, or with LR_SCHEDULE "cosine" a
    cosine from it down to 2% of it at the last epoch."""
    if LR_SCHEDULE == "constant" or EPOCHS < 2:
        return LEARNING_RATE
    progress = min(epoch, EPOCHS - 1) / (EPOCHS - 1)
    return LEARNING_RATE * float(0.02 + 0.98 * 0.5 * (1 + np.cos(np.pi * progress)))


def train(model: keras.Model, fit: dict) -> list[float]:
    """Fit on the training split; returns the training loss of every epoch.

    Stops after PATIENCE epochs without a better validation loss; keeps the best epoch's weights
    (KEEP_WEIGHTS = "best") or the last epoch's ("last").
    """
    data = fit_data(fit)
    monitor = "val_loss" if data["validation_data"] is not None else "loss"
    callbacks = [
        keras.callbacks.EarlyStopping(
            monitor, patience=PATIENCE, restore_best_weights=KEEP_WEIGHTS == "best"
        ),
        keras.callbacks.TerminateOnNaN(),
    ]
    if STATEFUL:
        callbacks.append(ResetStates())
    if LR_SCHEDULE != "constant":
        callbacks.append(keras.callbacks.LearningRateScheduler(scheduled_rate))
    history = model.fit(**data, epochs=EPOCHS, callbacks=callbacks, verbose=2)
    return history.history["loss"]


# --- 5. Run it all ------------------------------------------------------------------------------
def main() -> None:
    fit, report = PREPARE[TASK]()
    keras.utils.set_random_seed(SEED)
    model = build_model()
    compile_model(model)
    model.summary()
    print(f"Parameters: {model.count_params()}")

    losses = train(model, fit)
    print(f"LOSS first={losses[0]:.6f} last={losses[-1]:.6f}")

    # Predict with the same weights in a twin without carried state or fixed batch size.
    predictor = build_model(stateful=False) if STATEFUL else model
    predictor.set_weights(model.get_weights())
    report(predictor)


# --- The data ------------------------------------------------------------------------------------
# <data>
# A made-up seasonal series: the template's own data (an export embeds the chosen data set here).
DATA = {"value": [10 + 3 * np.sin(i / 2) + i / 10 for i in range(60)]}
VOCABULARY = ["<pad>", "<oov>"]
WORD_FEATURES = []  # per vocabulary id: its fixed feature columns
PAIR_FEATURES_TABLE = {}  # pair id: its fixed feature columns (the ids not listed: zeros)
TEXTS = {"train": [], "val": [], "test": []}
LABELS = {"train": [], "val": [], "test": []}
TEXT = ""
SEQUENCES = ""  # base64 of the NumPy arrays (np.savez_compressed)
# </data>

if __name__ == "__main__":
    main()
