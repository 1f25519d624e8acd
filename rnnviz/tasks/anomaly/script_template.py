"""Train a recurrent sequence autoencoder to find anomalies (exported by rnnviz).

It reads the series, cuts it into windows, scales them with statistics of normal training steps
only, trains the autoencoder on normal training windows, scores every step by the mean
reconstruction error of the windows covering it, and prints the test ROC AUC beside that of PCA
on the same windows. ``python this_script.py --weights model.keras`` loads the app's trained
weights (the run's model.keras) instead of training: it then prints the app's own figures.
"""

import argparse
from pathlib import Path

import keras
import numpy as np
import pandas as pd
from sklearn.decomposition import PCA
from sklearn.metrics import roc_auc_score

SETTINGS: dict = {}  # <settings>: the run's data, model and training settings


def load_series():
    """Values (time, features), 0/1 labels per step and the split (train_end, val_end)."""
    source = SETTINGS["source"]
    if source["kind"] == "sktime_csv":  # sktime ships the series as data,label
        import importlib.util

        folder = Path(next(iter(importlib.util.find_spec("sktime").submodule_search_locations)))
        table = pd.read_csv(folder / "datasets" / "data" / source["key"] / f"{source['key']}.csv")
        values, labels = table[["data"]].to_numpy(np.float32), table["label"].to_numpy(np.int8)
    elif source["kind"] == "ucr":  # one class vs the rest, samples end to end
        from sktime.datasets import load_UCR_UEA_dataset

        x_train, y_train = load_UCR_UEA_dataset(source["name"], "train", return_type="numpy3D")
        x_test, y_test = load_UCR_UEA_dataset(source["name"], "test", return_type="numpy3D")
        samples = np.concatenate([x_train, x_test]).transpose(0, 2, 1)  # (n, steps, channels)
        values = samples.reshape(-1, samples.shape[-1]).astype(np.float32)
        classes = np.concatenate([y_train, y_test]).astype(str)
        labels = np.repeat(classes != source["normal"], samples.shape[1]).astype(np.int8)
    else:  # the uploaded series, kept beside this script
        table = pd.read_csv(Path(__file__).with_name(source["file"]))
        label = source["label_column"]
        labels = table[label].to_numpy(np.int8) if label else np.zeros(len(table), np.int8)
        values = table[source["value_columns"]].interpolate(limit_direction="both")
        values = values.to_numpy(np.float32)
    return values, labels


def averaged(values, labels, every):
    """The mean of every ``every`` steps (anomalous when any of them is)."""
    n = len(values) // every * every
    values = values[:n].reshape(n // every, every, -1).mean(axis=1)
    return values.astype(np.float32), labels[:n].reshape(n // every, every).max(axis=1)


def windows(values, labels, train_end, val_end):
    """Scaled (and centred) windows, their first steps, parts and whether they hold an anomaly."""
    size, stride = SETTINGS["size"], SETTINGS["stride"]
    n = len(values)
    starts = np.arange(0, n - size + 1, stride)
    if starts[-1] != n - size:
        starts = np.append(starts, n - size)
    normal = values[:train_end][labels[:train_end] == 0]
    std = normal.std(axis=0)
    scaled = (values - normal.mean(axis=0)) / np.where(std > 0, std, 1.0)
    index = starts[:, None] + np.arange(size)
    x = scaled[index].astype(np.float32)  # (windows, size, features)
    if SETTINGS["center"]:
        x = x - x.mean(axis=1, keepdims=True)
    ends = starts + size
    part = np.full(len(starts), -1)
    part[ends <= train_end] = 0
    part[(starts >= train_end) & (ends <= val_end)] = 1
    part[starts >= val_end] = 2
    return x, starts, part, labels[index].any(axis=1)


def build_model(size, n_features):
    """The autoencoder as the app built it (layer names included)."""
    m = SETTINGS["model"]
    cell = getattr(keras.layers, m["cell"])
    inputs = keras.Input(shape=(size, n_features), name="input")
    x = inputs
    for depth, units in enumerate(m["units"], start=1):
        options = dict(units=units, return_sequences=depth < len(m["units"]), **m["options"])
        name = f"encoder_{depth}"
        if m["bidirectional"]:
            layer = keras.layers.Bidirectional(cell(**options), m["merge_mode"], name=name)
        else:
            layer = cell(name=name, **options)
        x = layer(x)
    code = keras.layers.Dense(m["code_size"], name="code")(x)
    if m["decoder"] == "repeat":
        y = keras.layers.RepeatVector(size, name="repeat")(code)
        states = [None] * len(m["units"])
    else:  # the code is every decoder layer's initial state; the input is zero
        zero = keras.layers.Dense(
            1, use_bias=False, kernel_initializer="zeros", trainable=False, name="zeros"
        )(code)
        y = keras.layers.RepeatVector(size, name="repeat")(zero)
        n_states = 2 if m["cell"] == "LSTM" else 1
        states = [
            [
                keras.layers.Dense(units, activation="tanh", name=f"state_{d}_{k}")(code)
                for k in range(1, n_states + 1)
            ]
            for d, units in enumerate(m["units"][::-1], start=1)
        ]
    for depth, (units, state) in enumerate(zip(m["units"][::-1], states, strict=True), start=1):
        layer = cell(units, return_sequences=True, name=f"decoder_{depth}", **m["options"])
        y = layer(y, initial_state=state)
    rebuilt = keras.layers.TimeDistributed(keras.layers.Dense(n_features), name="reconstruction")
    return keras.Model(inputs, rebuilt(y))


def point_scores(x, rebuilt, starts, n):
    """Each step's score: the mean over the windows covering it of their mean squared error."""
    window_error = np.mean((x - rebuilt) ** 2, axis=(1, 2))  # (windows,)
    index = (starts[:, None] + np.arange(x.shape[1])).ravel()
    total = np.bincount(index, weights=np.repeat(window_error, x.shape[1]), minlength=n)
    return total / np.maximum(np.bincount(index, minlength=n), 1)


def report(name, scores, labels, train_end, val_end):
    """The threshold rule (a quantile of normal validation scores) and the test figures."""
    reference = slice(train_end, val_end) if val_end > train_end else slice(0, train_end)
    normal = scores[reference][labels[reference] == 0]
    threshold = np.quantile(normal, SETTINGS["quantile"])
    truth, test = labels[val_end:], scores[val_end:]
    print(f"{name} threshold: {threshold:.6g}")
    if 0 < truth.sum() < len(truth):
        flagged = test >= threshold
        hits = int(np.sum(flagged & (truth == 1)))
        precision = hits / max(int(flagged.sum()), 1)
        recall = hits / int(truth.sum())
        print(f"{name} test ROC AUC: {roc_auc_score(truth, test):.6f}")
        print(f"{name} test precision {precision:.4f} recall {recall:.4f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", help="the app's model.keras: evaluate it, do not train")
    parser.add_argument("--epochs", type=int, default=SETTINGS["train"]["epochs"])
    args = parser.parse_args()
    values, labels = load_series()
    every = SETTINGS["every"]
    values, labels = averaged(values, labels, every)
    train_end, val_end = max(1, SETTINGS["train_end"] // every), SETTINGS["val_end"] // every
    x, starts, part, anomalous = windows(values, labels, train_end, val_end)
    train, val = x[(part == 0) & ~anomalous], x[(part == 1) & ~anomalous]
    reverse = SETTINGS["model"]["reverse"]  # the decoder rebuilds the window back to front
    keras.utils.set_random_seed(SETTINGS["train"]["seed"])
    model = build_model(x.shape[1], x.shape[2])
    print(f"Parameters: {model.count_params()}")
    if args.weights:
        model.load_weights(args.weights)
    else:
        t = SETTINGS["train"]
        optimizer = keras.optimizers.Adam(t["learning_rate"], clipnorm=t["clipnorm"])
        model.compile(optimizer=optimizer, loss="mse")
        stop = keras.callbacks.EarlyStopping(patience=t["patience"], restore_best_weights=True)
        history = model.fit(
            train,
            train[:, ::-1] if reverse else train,
            epochs=args.epochs,
            batch_size=t["batch_size"],
            validation_data=(val, val[:, ::-1] if reverse else val),
            callbacks=[stop] if t["early_stopping"] else [],
            verbose=2,
        )
        losses = history.history["loss"]
        print(f"LOSS first={losses[0]:.6f} last={losses[-1]:.6f}")
    rebuilt = model.predict(x, batch_size=256, verbose=0)
    rebuilt = rebuilt[:, ::-1] if reverse else rebuilt
    report("Autoencoder", point_scores(x, rebuilt, starts, len(values)), labels, train_end, val_end)
    flat = train.reshape(len(train), -1)
    pca = PCA(n_components=min(SETTINGS["model"]["code_size"], *flat.shape), svd_solver="full")
    pca.fit(flat)
    baseline = pca.inverse_transform(pca.transform(x.reshape(len(x), -1))).reshape(x.shape)
    report("PCA", point_scores(x, baseline, starts, len(values)), labels, train_end, val_end)


if __name__ == "__main__":
    main()
