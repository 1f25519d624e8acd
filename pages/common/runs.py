"""Runs: every finished run, kept across restarts; compare settings, reopen, export, delete, import.
With a login configured, the signed-in user's runs only (rnnviz.train.owners)."""

import streamlit as st

from rnnviz.common.messages import os_reason, user_message
from rnnviz.common.safe import plain, safe_csv
from rnnviz.model.builder import layer_table
from rnnviz.model.upload import ModelFileError, load_uploaded_model
from rnnviz.tasks.registry import get_task
from rnnviz.train.datastore import DataStoreError, data_download, stored_reference
from rnnviz.train.owners import may_delete, visible
from rnnviz.train.runs import RunError, RunRecord, config_diff, overview_columns
from rnnviz.ui import nav
from rnnviz.ui.identity import current_viewer
from rnnviz.ui.persist import run_store
from rnnviz.ui.state import session, set_widget_defaults

st.title("Runs")
current = session()
store = run_store()
viewer = current_viewer()
records = visible(viewer, store.list(), lambda record: record.owner)
# A damaged folder has no owner to read: offered to the one person of local mode only.
for number, (path, reason) in enumerate([] if viewer.auth else store.problems()):
    st.warning(plain(f"Skipped a damaged run in {path.name}: {reason}"))
    if st.button("Delete this folder", key=f"damaged_delete_{number}"):
        try:
            store.delete_damaged(path.name)
        except (KeyError, OSError) as error:
            st.error(plain(user_message(error, "The folder could not be deleted.")))
        else:
            st.rerun()
st.caption(
    f"Saved in {store.root} (set RNNVIZ_RUNS_DIR to change)."
    + (" Only your own runs are listed." if viewer.auth else "")
)


def run_actions(record: RunRecord) -> None:
    """Reopen, download, export or delete one saved run."""
    run_id = record.run_id
    st.caption(
        plain(
            f"Seed {record.seed}; {record.status}: {record.message} Versions: "
            + ", ".join(f"{k} {v}" for k, v in record.versions.items())
        )
    )
    c1, c2, c3, c4 = st.columns(4)
    if c1.button("Open in Inspect", key="run_open"):
        try:
            current.job = get_task(record.task).restore(record, store.load_model(run_id))
            current.pending_task = record.task
            st.switch_page(nav.inspect_page(record.task))
        except (KeyError, ValueError, TypeError, OSError) as error:
            st.error(plain(user_message(error, f"Run '{run_id}' cannot be opened in Inspect.")))
    try:
        c2.download_button(
            "Model (.keras)", record.model_path.read_bytes(), f"{run_id}.keras", key="run_model"
        )
    except OSError as error:
        st.warning(plain(f"The model file cannot be read: {os_reason(error)}."))
    try:
        predictions = record.predictions()
    except RunError as error:
        st.warning(plain(error))
        predictions = None
    if predictions is not None:
        c3.download_button(
            "Predictions (CSV)", safe_csv(predictions), f"{run_id}.csv", key="run_csv"
        )
    # A saved run never changes: its id keys the script (a text export re-encodes the data).
    try:
        export = current.memo("export", run_id, lambda: get_task(record.task).export(record))
    except (KeyError, ValueError, TypeError, OSError) as error:  # its data cannot be loaded
        export = None
        reason = user_message(error, "its saved settings or data cannot be read.")
        c4.caption(plain(f"No Keras script for this run: {reason}"))
    if export is not None:
        c4.download_button("Keras script (.py)", export.script, export.filename, key="run_script")
    kept_data_ui(record, c4)
    if not may_delete(viewer, record.owner):
        return
    with st.expander("Delete this run"):
        if st.button(f"Delete {run_id}", key="run_delete"):
            try:
                store.delete(run_id)
            except (KeyError, OSError) as error:
                st.error(plain(user_message(error, f"Run '{run_id}' could not be deleted.")))
            else:
                st.rerun()


def kept_data_ui(record: RunRecord, column) -> None:
    """The data file the run keeps, to download beside its script, or why it is not kept."""
    ref = stored_reference(record)
    if ref is not None and ref.get("kept") is False:
        st.warning(
            plain(
                f"The data of this run ({ref.get('filename')}) was not kept: {ref.get('reason')}."
            )
        )
        return
    try:
        download = current.memo("run_data", record.run_id, lambda: data_download(record))
    except DataStoreError as error:
        st.warning(plain(error))
        return
    if download is not None:
        name, content = download
        column.download_button(
            f"Data ({name})",
            content,
            name,
            key="run_data",
            help="The data this run was trained on, as rnnviz read it; the script reads it from "
            "beside itself.",
        )


def run_choice(label: str, records: dict[str, RunRecord], ids: list[str], key: str, index=0) -> str:
    """A picker over the runs the filter shows (a choice the filter hid moves to one shown)."""
    if st.session_state.get(key) not in ids:
        set_widget_defaults({key.removeprefix("w_"): ids[min(index, len(ids) - 1)]}, True)
    return st.selectbox(
        label,
        ids,
        format_func=lambda run_id: f"{run_id} - {records[run_id].dataset}, {records[run_id].label}",
        key=key,
    )


if records:
    table = store.table(records)
    c1, c2 = st.columns(2)
    datasets = c1.multiselect("Dataset", sorted(table["dataset"].unique()), key="w_runs_datasets")
    cells = c2.multiselect("Cell", sorted(table["cell"].unique()), key="w_runs_cells")
    keep = table["dataset"].isin(datasets or table["dataset"]) & table["cell"].isin(
        cells or table["cell"]
    )
    shown = table[keep].assign(topology=lambda t: t["topology"].str.replace("_", "-"))
    st.dataframe(  # click a column header to sort
        shown,
        hide_index=True,
        width="stretch",
        column_order=overview_columns(list(shown.columns)),
        column_config={"id": st.column_config.TextColumn(pinned=True)},
    )
    by_id = {r.run_id: r for r in records}
    ids = [run_id for run_id in shown["id"]]  # the picker offers the runs the filter shows
    if not ids:
        st.info("No saved run matches the filter.")
    else:
        run_actions(by_id[run_choice("Run", by_id, ids, "w_run")])
    if len(ids) > 1:
        st.subheader("Configuration difference")
        c1, c2 = st.columns(2)
        with c1:
            a = run_choice("Run A", by_id, ids, "w_diff_a")
        with c2:
            b = run_choice("Run B", by_id, ids, "w_diff_b", index=1)
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
        st.error(plain(error))
    else:
        rows = [row.__dict__ for row in layer_table(model)]
        st.success(
            plain(
                f"Loaded '{model.name}': {model.count_params():,} parameters, input shape "
                f"{model.input_shape}."
            )
        )
        st.dataframe(rows, hide_index=True, width="stretch")
        task, data = get_task(current.task), current.task_data()
        if task.inspects_uploads and data is not None:
            name = plain(task.dataset_name(data))
            if st.button(f"Inspect it on {name}", key="upload_inspect"):
                try:
                    current.job = task.job_from_model(model, data)
                    st.switch_page(nav.inspect_page(task.name))
                except ValueError as error:
                    misfit = (
                        f"This model cannot be inspected on {name}: its input or its layers do "
                        "not match what this task builds."
                    )
                    st.error(plain(user_message(error, misfit)))
        else:
            st.caption("Choose a series on the Data page to inspect a forecasting model on it.")
