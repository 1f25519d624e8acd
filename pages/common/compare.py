"""Compare: cell types, directions and depths side by side on the same data, split, seed and budget."""

import streamlit as st

from rnnviz.common.figures import comparison_curves
from rnnviz.common.messages import user_message
from rnnviz.common.safe import plain
from rnnviz.common.seeds import DEFAULT_SEEDS, MAX_SEEDS, seeds_for
from rnnviz.common.view_figures import spread_curves
from rnnviz.model.spec import CELLS, TOPOLOGY_LABELS, ModelSpec, lookahead_reason, variant_label
from rnnviz.service.compare import (
    FAIRNESS_NOTE,
    Comparison,
    handle_seed,
    ranking_note,
    results_table,
    saturation_table,
    saved_record,
    seed_ranking_note,
    seed_results,
    seed_table,
    settings_table,
    variant_specs,
)
from rnnviz.service.executor import default_executor
from rnnviz.service.request import TrainRequest
from rnnviz.tasks.registry import get_task
from rnnviz.ui import nav
from rnnviz.ui.identity import current_viewer
from rnnviz.ui.live import live_panel
from rnnviz.ui.persist import run_store
from rnnviz.ui.state import require, session, set_widget_defaults
from rnnviz.ui.widgets import train_spec_ui

st.title("Compare")
current = session()
task, data, base = get_task(current.task), current.task_data(), current.built_spec()
require(
    base is not None and data is not None,
    "Choose the data and build a model first: its units, dropout and topology are shared.",
    nav.pages().build,
    "Go to Build",
    ":material/construction:",
)


def shared_model_ui(built: ModelSpec) -> ModelSpec:
    """The topology and units every variant shares: the built model's until changed here."""
    if current.defaults_for.get("compare") != built:  # a new model on Build: start from it
        set_widget_defaults({"cmp_topology": built.topology, "cmp_units": built.units[0]}, True)
        current.defaults_for["compare"] = built
    c1, c2 = st.columns(2)
    if len(task.topologies) > 1:
        topology = c1.radio(
            "Topology", task.topologies, format_func=TOPOLOGY_LABELS.get, key="w_cmp_topology"
        )
    else:
        topology = task.topologies[0]
        c1.markdown(task.topology_note)
    units = c2.number_input("Units per layer", 1, 512, key="w_cmp_units")
    return task.model_spec(built.with_(topology=topology, units=(int(units),)), data)


base = shared_model_ui(base)
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
set_widget_defaults({"cmp_repeat": False, "cmp_seeds": DEFAULT_SEEDS})
r1, r2 = st.columns([2, 1])
repeat = r1.toggle(
    "Repeat each variant over several seeds (mean ± sd)",
    key="w_cmp_repeat",
    help="Every variant trains once per seed; the table ranks on the mean and counts a "
    "difference only when it is larger than the spread.",
)
k = int(r2.number_input("Seeds", 2, MAX_SEEDS, key="w_cmp_seeds", disabled=not repeat))
seeds = tuple(seeds_for(train.seed, k)) if repeat else ()
try:
    specs = variant_specs(base, cells, directions, depths)
except ValueError as error:
    st.error(plain(user_message(error, "These variants cannot be built from the model chosen.")))
    st.stop()
future_readers = [s for s in specs if lookahead_reason(s)]
if future_readers:
    st.warning(
        plain(f"Left out, they would read the future: {lookahead_reason(future_readers[0])}")
    )
    specs = [s for s in specs if not lookahead_reason(s)]
if not specs:
    st.stop()
st.caption(
    f"{len(specs)} variants: "
    + ", ".join(variant_label(s) for s in specs)
    + f"; {base.topology.replace('_', '-')}, units {base.units[0]} per layer"
    + (f", each over seeds {', '.join(map(str, seeds))}." if seeds else ".")
)
st.info(FAIRNESS_NOTE + f" Seed: {', '.join(map(str, seeds)) if seeds else train.seed}.")
with st.expander("Settings that differ between the variants"):
    differing = settings_table(specs)
    if differing.empty:
        st.caption("One variant: nothing differs.")
    else:
        st.table(differing)

comparison = current.comparison
running = comparison is not None and not comparison.done
store = run_store()
owner = current_viewer().owner
requests = {  # read the session here: the comparison submits them later, from its thread
    spec: TrainRequest(task.name, data, spec, train, str(store.root), owner=owner) for spec in specs
}


b1, b2, _ = st.columns([1, 1, 6])
if b1.button("Compare", type="primary", disabled=running, key="compare"):
    comparison = Comparison(specs, requests.__getitem__, default_executor().submit, seeds)
    current.comparison = comparison
    comparison.start()
    st.rerun()
b2.button("Stop", disabled=not running, key="compare_stop", on_click=lambda: comparison.stop())
if comparison is None:
    st.stop()


def first_seed(handles: list) -> list:
    """The runs of the first seed: one per variant."""
    return [h for h in handles if not comparison.seeds or handle_seed(h) == comparison.seeds[0]]


def draw_one_seed() -> None:
    histories = {
        variant_label(h.request.model_spec): h.snapshot().history for h in comparison.handles
    }
    st.plotly_chart(comparison_curves(histories), key="cmp_curves")
    st.dataframe(
        results_table(comparison.handles, store).style.format(precision=3),
        hide_index=True,
        width="stretch",
    )
    st.caption(ranking_note(task.ranking))


def draw_over_seeds() -> None:
    histories: dict[str, list] = {}
    for h in comparison.handles:
        histories.setdefault(variant_label(h.request.model_spec), []).append(h.snapshot().history)
    st.plotly_chart(spread_curves(histories), key="cmp_spread_curves")
    table = seed_table(comparison.handles, store)
    if not table.empty:
        st.dataframe(table.style.format(precision=3), hide_index=True, width="stretch")
        st.caption(seed_ranking_note(task.ranking, comparison.seeds))
    with st.expander("Every run (one row per variant and seed)"):
        runs = seed_results(comparison.handles, store)
        st.dataframe(runs.style.format(precision=3), hide_index=True, width="stretch")


def draw() -> None:
    stopped = " (stopped)" if comparison.stopped and comparison.done else ""
    st.progress(
        comparison.progress,
        text=f"{comparison.finished_count} of {len(comparison.planned())} "
        f"{'runs' if comparison.seeds else 'variants'} trained{stopped}",
    )
    if comparison.error:
        st.error(plain(comparison.error))
    if comparison.seeds:
        draw_over_seeds()
    else:
        draw_one_seed()
    saturation = saturation_table(first_seed(comparison.handles))
    if not saturation.empty:
        st.markdown(
            "**Gate saturation** (share of values below 0.1 or above 0.9, first layer, last epoch)"
        )
        st.dataframe(saturation.style.format("{:.2f}", na_rep="-"), width="stretch")


live_panel(lambda: not comparison.done, draw)
records = [saved_record(h, store) for h in first_seed(comparison.handles)]
records = [record for record in records if record is not None]
if comparison.done and records:
    for key, figure in get_task(records[0].task).comparison_figures(records).items():
        st.plotly_chart(figure, key=key)
    st.caption("Every variant is saved in the run store: see the Runs page.")
