"""Runs: every finished run, kept across restarts; compare settings, reopen, export, delete, import."""

import streamlit as st

from rnnviz.builder import layer_table
from rnnviz.codegen import forecast_script, script_filename
from rnnviz.restore import job_from_uploaded_model, restore_job
from rnnviz.runs import ModelFileError, config_diff, load_uploaded_model
from rnnviz.ui import state
from rnnviz.ui.persist import run_store
from rnnviz.windows import WindowSpec

st.title("Runs")
store = run_store()
records = store.list()
for path, reason in store.problems():
    st.warning(f"Skipped a damaged run in {path.name}: {reason}")
st.caption(f"Saved in {store.root} (set RNNVIZ_RUNS_DIR to change).")

if records:
    table = store.table()
    c1, c2 = st.columns(2)
    datasets = c1.multiselect("Dataset", sorted(table["dataset"].unique()), key="w_runs_datasets")
    cells = c2.multiselect("Cell", sorted(table["cell"].unique()), key="w_runs_cells")
    keep = table["dataset"].isin(datasets or table["dataset"]) & table["cell"].isin(
        cells or table["cell"]
    )
    shown = table[keep].assign(topology=lambda t: t["topology"].str.replace("_", "-"))
    st.dataframe(shown, hide_index=True, width="stretch")  # click a column header to sort

    by_id = {r.run_id: r for r in records}
    label = lambda run_id: f"{run_id} - {by_id[run_id].dataset}, {by_id[run_id].label}"  # noqa: E731
    run_id = st.selectbox("Run", list(by_id), format_func=label, key="w_run")
    record = by_id[run_id]
    st.caption(
        f"Seed {record.seed}; {record.status}: {record.message} Versions: "
        + ", ".join(f"{k} {v}" for k, v in record.versions.items())
    )
    c1, c2, c3, c4 = st.columns(4)
    if c1.button("Open in Inspect", key="run_open"):
        try:
            state.put("job", restore_job(record, store.load_model(run_id)))
            state.put("pending_task", record.task)
            st.switch_page(
                "pages/inspect_text.py" if record.task == "sentiment" else "pages/inspect.py"
            )
        except (ValueError, OSError) as error:
            st.error(str(error))
    c2.download_button(
        "Model (.keras)", record.model_path.read_bytes(), f"{run_id}.keras", key="run_model"
    )
    predictions = record.predictions()
    if predictions is not None:
        c3.download_button(
            "Predictions (CSV)", predictions.to_csv(index=False), f"{run_id}.csv", key="run_csv"
        )
    key = record.data_config.get("dataset_key")
    if record.task == "forecast" and key:
        window = {
            k: record.data_config[k]
            for k in ("window", "horizon", "test_size", "val_size", "transform", "scaler")
            if k in record.data_config
        }
        try:
            script = forecast_script(
                key,
                WindowSpec(**window),
                record.model_spec,
                record.train_spec,
                record.data_config.get("inputs", ()),
            )
        except ValueError as error:  # e.g. an old run whose model read the future
            c4.caption(f"No script: {error}")
        else:
            c4.download_button(
                "Keras script (.py)",
                script,
                script_filename(key, record.model_spec),
                key="run_script",
            )
    with st.expander("Delete this run"):
        if st.button(f"Delete {run_id}", key="run_delete"):
            store.delete(run_id)
            st.rerun()

    if len(records) > 1:
        st.subheader("Configuration difference")
        c1, c2 = st.columns(2)
        a = c1.selectbox("Run A", list(by_id), format_func=label, key="w_diff_a")
        b = c2.selectbox("Run B", list(by_id), index=1, format_func=label, key="w_diff_b")
        diff = config_diff(by_id[a], by_id[b])
        if len(diff):
            st.dataframe(diff, hide_index=True, width="stretch")
        else:
            st.info("Same configuration.")
else:
    st.info("No saved runs yet: every run you train is saved here when it ends.")

st.subheader("Inspect a .keras model file")
upload = st.file_uploader(
    "Upload a model saved by Keras 3 (.keras)", type=["keras"], key="model_upload"
)
if upload is not None:
    try:
        model = load_uploaded_model(upload.getvalue())
    except ModelFileError as error:
        st.error(str(error))
    else:
        rows = [row.__dict__ for row in layer_table(model)]
        st.success(
            f"Loaded '{model.name}': {model.count_params():,} parameters, input shape {model.input_shape}."
        )
        st.dataframe(rows, hide_index=True, width="stretch")
        series, window_spec = state.get("series"), state.get("window_spec")
        if state.get("task") == "forecast" and series is not None:
            if st.button(f"Inspect it on {series.name}", key="upload_inspect"):
                try:
                    state.put("job", job_from_uploaded_model(model, series, window_spec))
                    st.switch_page("pages/inspect.py")
                except ValueError as error:
                    st.error(str(error))
        else:
            st.caption("Choose a series on the Data page to inspect a forecasting model on it.")
