"""Issue 22 ("Hardening, round 2"): every case, and the tests that cover it.

| § | case | tests |
|---|---|---|
| 1 | Ray kept alive, one init per server, a run end to end | e2e/test_ray_browser, core/test_ray_executor |
| 2 | crafted .keras: declared HDF5 shapes, wide inputs, deep GRU, 120k layers, layer cap; checked in a memory-limited child; the run store too | core/test_hostile_models |
| 3 | long-format padding (one 100,000-step sequence) | core/test_sequences_long, core/test_wide_uploads (RLIMIT_AS) |
| 3 | generation windows (10 MB, stride 1), in the app and in the exported script | core/test_char_windows, core/test_generation_task |
| 3 | slow reads: 200,000 ids, 200,000 columns | core/test_wide_uploads (RLIMIT_AS) |
| 4 | the page-object race between sessions | pages/test_nav_sessions (and bench/load_sessions.py) |
| 4 | server killed: workers die with it, stale files cleaned | core/test_worker_lifetime, core/test_store_cleanup |
| 4 | full, read-only or missing store | core/test_full_store, pages/test_full_store_page |
| 4 | a refused upload clears the old data | pages/test_refused_upload |
| 5 | 1.290 with decimal commas; 02/01/2020 among ISO dates; NUL after 4 KB; a 91-day hole | core/test_series_reading |
| 6 | autolinks; formula cells in downloads; no outside fetch | core/test_safe, pages/test_hardening, e2e/test_browser |
| 6 | internal messages (Keras, h5py, Python); UTF-16 .txt | pages/test_plain_messages, pages/test_heldback_hostile |
| 6 | symlinks out of the store; a 280 MB run.json | core/test_runs |
| 6 | shared runs (login, per-user runs, owner-only Stop/Delete, the mode on Home) | core/test_owners, pages/test_auth_pages, e2e/test_signin_browser |
| - | held back: hostile files the project had not seen | pages/test_heldback_hostile |

The test below keeps the table honest: every test it names exists.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[1]
COVERAGE: dict[str, list[str]] = {
    "§1 Ray kept alive": [
        "e2e/test_ray_browser.py::test_ray_local_server_survives_and_trains_a_run_to_inspect",
        "core/test_ray_executor.py::test_ray_run_streams_progress_and_lands_in_the_local_store",
    ],
    "§2 crafted .keras files": [
        "core/test_hostile_models.py::test_a_hostile_upload_is_refused_quickly_in_bounded_memory",
        "core/test_hostile_models.py::test_a_hostile_model_file_in_the_run_store_is_refused_on_open",
    ],
    "§3 long-format padding": [
        "core/test_sequences_long.py::test_one_very_long_sequence_does_not_pad_the_others",
        "core/test_sequences_long.py::test_padding_over_the_memory_budget_is_refused",
        "core/test_wide_uploads.py::"
        "test_one_100000_step_sequence_among_2000_short_ones_reads_within_the_memory_limit",
    ],
    "§3 generation windows": [
        "core/test_char_windows.py::"
        "test_ten_megabytes_at_length_200_stride_1_never_materialise_the_windows",
        "core/test_char_windows.py::"
        "test_the_budget_refuses_stride_1_on_ten_megabytes_and_names_a_stride_that_fits",
        "core/test_generation_task.py::"
        "test_exported_windows_are_cut_lazily_from_one_copy_of_the_text",
    ],
    "§3 slow reads": [
        "core/test_wide_uploads.py::"
        "test_a_200000_column_csv_is_refused_by_every_reader_in_little_time_and_memory",
        "core/test_wide_uploads.py::"
        "test_a_long_file_of_100000_ids_is_read_in_seconds_within_the_memory_limit",
    ],
    "§4 race under load": [
        "pages/test_nav_sessions.py::"
        "test_sessions_changing_pages_at_once_never_meet_an_uncallable_page",
    ],
    "§4 server killed": [
        "core/test_worker_lifetime.py::test_a_training_worker_exits_when_its_server_is_killed",
        "core/test_store_cleanup.py::"
        "test_cleanup_removes_what_dead_processes_left_and_keeps_live_ones",
    ],
    "§4 full, read-only or missing store": [
        "core/test_full_store.py::test_a_nearly_full_disk_is_named_with_its_free_space",
        "core/test_full_store.py::test_a_read_only_store_is_named",
        "core/test_full_store.py::"
        "test_a_save_that_fails_names_the_cause_and_keeps_the_best_weights",
        "pages/test_full_store_page.py::"
        "test_a_run_that_could_not_be_saved_shows_its_cause_as_an_error",
    ],
    "§4 a refused upload leaves the old data": [
        "pages/test_refused_upload.py::test_a_refused_csv_clears_the_tasks_data",
    ],
    "§5 silently wrong reads": [
        "core/test_series_reading.py::test_thousands_dot_in_a_decimal_comma_file",
        "core/test_series_reading.py::"
        "test_a_day_first_date_among_iso_dates_is_not_read_month_first",
        "core/test_series_reading.py::test_a_nul_byte_after_the_first_4_kb_is_refused",
        "core/test_series_reading.py::test_a_91_day_hole_in_daily_data_is_reported",
    ],
    "§6 autolinks, formula cells, outside fetch": [
        "core/test_safe.py::test_plain_breaks_autolinks",
        "pages/test_hardening.py::test_predictions_download_cannot_run_formulas",
        "e2e/test_browser.py::test_forecast_flow_data_build_train_inspect",
    ],
    "§6 internal messages": [
        "pages/test_plain_messages.py::"
        "test_rnnviz_messages_pass_and_library_text_is_replaced_and_logged",
        "pages/test_plain_messages.py::"
        "test_a_crafted_model_file_gets_a_plain_message_on_the_runs_page",
        "pages/test_plain_messages.py::test_damaged_run_records_and_models_are_described_plainly",
        "pages/test_heldback_hostile.py::test_heldback_texts_on_the_generation_page",
    ],
    "§6 store safety": [
        "core/test_runs.py::"
        "test_links_out_of_the_store_are_reported_and_deleting_one_keeps_its_target",
        "core/test_runs.py::test_a_giant_record_is_refused_without_being_read",
    ],
    "§6 shared runs": [
        "core/test_owners.py::test_auth_mode_lets_only_the_owner_watch_stop_and_delete",
        "pages/test_auth_pages.py::test_a_signed_in_user_lists_opens_and_deletes_only_their_runs",
        "pages/test_auth_pages.py::test_another_users_run_url_is_refused_politely",
        "pages/test_auth_pages.py::test_a_signed_out_visitor_sees_home_and_sign_in_only",
        "e2e/test_signin_browser.py::test_sign_in_round_trip_keeps_runs_apart",
    ],
    "held back": [
        "pages/test_heldback_hostile.py::test_heldback_series_on_the_forecast_and_anomaly_pages",
        "pages/test_heldback_hostile.py::test_heldback_texts_on_the_sentiment_page",
        "pages/test_heldback_hostile.py::test_heldback_sequences_on_the_sequence_page",
        "pages/test_heldback_hostile.py::test_heldback_models_on_the_runs_page",
    ],
}


@pytest.mark.parametrize("case", list(COVERAGE))
def test_every_case_of_issue_22_names_tests_that_exist(case):
    for reference in COVERAGE[case]:
        path, name = reference.split("::")
        source = (TESTS / path).read_text(encoding="utf-8")
        assert re.search(rf"^def {name}\(", source, re.M), reference


def test_the_docstring_table_names_every_case():
    table = __doc__.split("| § |", 1)[1]
    for section in ("1", "2", "3", "4", "5", "6"):
        assert f"\n| {section} |" in table
