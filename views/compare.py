"""Compare: cell types, directions and depths side by side on the same data, split, seed and budget."""

import streamlit as st

from rnnviz.compare import (
    Comparison,
    results_table,
    saturation_table,
    saved_record,
    variant_label,
    variant_specs,
)
from rnnviz.executor import TrainRequest, default_executor
from rnnviz.figures import comparison_curves, forecast_overlay, roc_figure
from rnnviz.safe import plain
from rnnviz.sentiment import evaluate_classifier
from rnnviz.spec import CELLS
from rnnviz.ui import state
from rnnviz.ui.live import live_panel
from rnnviz.ui.persist import run_store
from rnnviz.ui.widgets import train_spec_ui

st.title("Compare")
task = state.get("task")
text = task == "sentiment"
base = state.get("model_spec")
state.require(
    base is not None and base.is_text == text,
    "Choose the data and build a model first: its units, dropout and topology are shared.",
    "views/build.py",
    "Go to Build",
    ":material/construction:",
)

c1, c2, c3 = st.columns(3)
cells = c1.multiselect("Cell types", CELLS, default=list(CELLS), key="w_cmp_cells")
directions = c2.multiselect(
    "Directions",
    [False, True],
    default=[False],
    format_func=lambda b: "bidirectional" if b else "unidirectional",
    key="w_cmp_directions",
)
depths = c3.multiselect("Depths", [1, 2, 3, 4], default=[1], key="w_cmp_depths")
with st.expander("Shared training settings (epoch budget, seed...)"):
    train = train_spec_ui()
try:
    specs = variant_specs(base, cells, directions, depths)
except ValueError as error:
    st.error(plain(error))
    st.stop()
st.caption(
    f"{len(specs)} variants: "
    + ", ".join(variant_label(s) for s in specs)
    + f"; units {base.units[0]} per layer."
)

comparison = state.get("comparison")
running = comparison is not None and not comparison.done
store = run_store()


def make_request(spec):
    """Every variant reads the same data, split, seed and budget."""
    if text:
        name = state.get("text_dataset_name")
        inputs = (name, state.get("text_data"))
    else:
        name = state.get("series").name
        inputs = (state.get("series"), state.get("window_spec"))
    return TrainRequest(task, name, inputs, spec, train, str(store.root))


b1, b2, _ = st.columns([1, 1, 6])
if b1.button("Compare", type="primary", disabled=running, key="compare"):
    requests = {spec: make_request(spec) for spec in specs}  # read session state here, not later
    comparison = Comparison(specs, requests.__getitem__, default_executor().submit)
    state.put("comparison", comparison)
    comparison.start()
    st.rerun()
b2.button("Stop", disabled=not running, key="compare_stop", on_click=lambda: comparison.stop())
if comparison is None:
    st.stop()


def draw() -> None:
    stopped = " (stopped)" if comparison.stopped and comparison.done else ""
    st.progress(
        comparison.progress,
        text=f"{comparison.finished_count} of {len(comparison.specs)} variants trained{stopped}",
    )
    if comparison.error:
        st.error(plain(comparison.error))
    histories = {
        variant_label(h.request.model_spec): h.snapshot().history for h in comparison.handles
    }
    st.plotly_chart(comparison_curves(histories), key="cmp_curves")
    st.dataframe(
        results_table(comparison.handles, store).style.format(precision=3),
        hide_index=True,
        width="stretch",
    )
    saturation = saturation_table(comparison.handles)
    if not saturation.empty:
        st.markdown(
            "**Gate saturation** (share of values below 0.1 or above 0.9, first layer, last epoch)"
        )
        st.dataframe(saturation.style.format("{:.2f}", na_rep="-"), width="stretch")


live_panel(lambda: not comparison.done, draw)
records = {variant_label(h.request.model_spec): saved_record(h, store) for h in comparison.handles}
records = {label: record for label, record in records.items() if record is not None}
if comparison.done and records:
    frames = {label: record.predictions() for label, record in records.items()}
    if text:
        curves = {}
        for label, frame in frames.items():
            names = list(next(iter(records.values())).data_config["classes"])
            y_true = frame["true"].astype(str).map({n: i for i, n in enumerate(names)})
            proba = frame[[f"p_{n}" for n in names]].to_numpy()
            result = evaluate_classifier(y_true.to_numpy(), proba, names)
            if "auc" in result:
                curves[label] = (result["fpr"], result["tpr"], result["auc"])
        if curves:
            st.plotly_chart(roc_figure(curves), key="cmp_roc")
    else:
        tests = {label: f[f["split"] == "test"] for label, f in frames.items()}
        first = next(iter(tests.values()))
        target = state.get("series").target
        st.plotly_chart(forecast_overlay(first, tests, target), key="cmp_forecasts")
    st.caption("Every variant is saved in the run store: see the Runs page.")
