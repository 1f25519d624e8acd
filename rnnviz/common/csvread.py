"""Uploaded bytes -> a table: the one CSV reader behind both the series and the text uploads.

It turns whatever a user uploads into a :class:`pandas.DataFrame` or a :class:`DataError` whose
message can be shown as it is: too large, empty, binary (images, archives, Office files), JSON
or a web page instead of CSV; UTF-8 (with or without BOM), UTF-16 with BOM (Excel's "Unicode
text") or Windows/Latin-1 text; comma, semicolon, tab or pipe separated; column names trimmed
of spaces, with blank and duplicate names made unique. No streamlit here.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import itertools
import json
import math
import re
from dataclasses import dataclass

import pandas as pd

from rnnviz.common.words import plural

MAX_UPLOAD_BYTES = 20 * 1024 * 1024  # matches .streamlit/config.toml maxUploadSize = 20 (MB)
# pandas spends ~0.1 ms and a Series per column: 200,000 columns took 20-45 s and 1-2 GB (issue
# 22 §3). The longest UCR series have 2,844 steps; a wider file is refused before parsing.
MAX_COLUMNS = 4_000
DELIMITERS = (",", ";", "\t", "|")
SNIFF_ROWS = 20
BINARY_SIGNATURES = {
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"%PDF": "a PDF document",
    b"PK\x03\x04": "a zip archive or an Excel workbook",
    b"\xd0\xcf\x11\xe0": "an old Excel or Office file",
    b"\x1f\x8b": "a gzip archive",
    b"BZh": "a bzip2 archive",
    b"\xfd7zXZ": "an xz archive",
    b"7z\xbc\xaf": "a 7-Zip archive",
    b"\x89HDF": "an HDF5 file (a saved model?)",
    b"\x93NUMPY": "a NumPy array file",
    b"PAR1": "a Parquet file",
    b"SQLite format 3": "an SQLite database",
    b"\x7fELF": "a program",
    b"MZ": "a Windows program",
}
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
WEB_PAGE = re.compile(r"^\s*<(!doctype|html|\?xml|svg)", re.IGNORECASE)
EXCEL_SEPARATOR = re.compile(r'^"?sep=([,;\t|])"?[ \t]*\r?\n')
# pandas' own "Expected 3 fields in line 7, saw 4"
RAGGED = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


class DataError(ValueError):
    """A problem with the user's data, with a message fit to show on the page."""


@dataclass(frozen=True, eq=False)
class CsvTable:
    """A CSV upload as read: the table, the decoded text, its delimiter and what reading did."""

    frame: pd.DataFrame
    text: str
    delimiter: str
    notes: tuple[str, ...]


def content_key(raw: bytes) -> str:
    """A short fingerprint of an upload's bytes: caches key on it, never on a file's name."""
    return hashlib.blake2b(raw, digest_size=16).hexdigest()


def size_over_limit(
    n_bytes: int, limit: int = MAX_UPLOAD_BYTES, limit_name: str = "upload limit"
) -> str:
    """'20.1 MB, over the 20 MB upload limit': the size rounded *up* to 0.1 MB, so a file just
    over the limit never reads as the limit itself; ``limit_name`` says which limit it is."""
    mib = 1024 * 1024
    size = math.ceil(n_bytes * 10 / mib) / 10
    return f"{size:.1f} MB, over the {limit / mib:g} MB {limit_name}"


def check_upload_size(raw: bytes, filename: str) -> None:
    """Refuse an upload over :data:`MAX_UPLOAD_BYTES`."""
    if len(raw) > MAX_UPLOAD_BYTES:
        raise DataError(f"'{filename}' is {size_over_limit(len(raw))}.")


def decode_csv_bytes(raw: bytes, filename: str) -> tuple[str, list[str]]:
    """The text of a CSV upload and notes on its encoding; DataError for anything not text."""
    check_upload_size(raw, filename)
    if raw.startswith(UTF16_BOMS):
        try:
            return _not_blank(raw.decode("utf-16"), filename), ["The file is UTF-16 text."]
        except UnicodeDecodeError:
            raise _not_text(filename) from None
    if not raw.strip():
        raise DataError(f"'{filename}' is empty.")
    head = raw[:4096]
    for signature, kind in BINARY_SIGNATURES.items():
        if head.startswith(signature):
            raise DataError(
                f"'{filename}' is not a CSV text file: it looks like {kind}. Save your data as "
                "CSV (comma-separated values) and upload that."
            )
    nul = raw.find(b"\x00")  # anywhere: pandas would cut the value at it ('4\x0000' -> 4)
    if nul >= 0:
        line = raw.count(b"\n", 0, nul) + 1
        where = "" if nul < len(head) else f" (a NUL character on line {line})"
        raise DataError(
            f"'{filename}' is not a CSV text file: it holds binary data{where}. Save your data "
            "as CSV (comma-separated values, UTF-8) and upload that."
        )
    try:
        text, notes = raw.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        try:  # cp1252 reads every Latin-1 letter the same way, plus curly quotes and the euro
            text = raw.decode("cp1252")
        except UnicodeDecodeError:
            raise _not_text(filename) from None
        notes = ["The file is not UTF-8; it was read as Windows/Latin-1 text."]
    _refuse_other_formats(text, filename)
    return _not_blank(text, filename), notes


def _not_text(filename: str) -> DataError:
    return DataError(
        f"'{filename}' is not UTF-8 text. Save it as CSV with UTF-8 encoding and upload it again."
    )


def _not_blank(text: str, filename: str) -> str:
    if not text.strip():
        raise DataError(f"'{filename}' is empty.")
    return text


def _refuse_other_formats(text: str, filename: str) -> None:
    """JSON and web pages are text too, but not CSV: say what they are."""
    if WEB_PAGE.match(text[:200]):
        raise DataError(
            f"'{filename}' is a web page or XML file, not CSV. Save your data as CSV and upload that."
        )
    stripped = text.lstrip()
    if stripped[:1] in "{[":
        try:
            json.loads(stripped)
        except ValueError:
            return
        except RecursionError:  # "[[[[..." nested deeper than Python parses: JSON-like anyway
            pass
        raise DataError(
            f"'{filename}' holds JSON, not CSV. Save your data as CSV (one row per line, values "
            "separated by commas) and upload that."
        )


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits the first rows into the same number (>1) of fields; else the
    candidate seen most often in the first line (comma when none is)."""
    for delimiter in DELIMITERS:
        try:
            rows = itertools.islice(
                csv.reader(io.StringIO(text), delimiter=delimiter), 4 * SNIFF_ROWS
            )
            filled = [row for row in rows if any(field.strip() for field in row)][:SNIFF_ROWS]
        except csv.Error:
            continue
        counts = {len(row) for row in filled}
        if len(counts) == 1 and counts.pop() > 1:
            return delimiter
    first_line = text.lstrip().split("\n", 1)[0]
    return max(DELIMITERS, key=lambda d: (first_line.count(d), d == ","))


def unique_column_names(names: list[object]) -> tuple[list[str], list[str]]:
    """Column names trimmed of spaces, repeated ones given a suffix (``value``, ``value.1``), with
    a note when any was renamed. (pandas already names blank headers ``Unnamed: <n>``, which the
    series reader uses to spot a saved row index.)"""
    trimmed = [str(name).strip() or f"Unnamed: {i}" for i, name in enumerate(names)]
    seen: dict[str, int] = {}
    renamed = []
    result = []
    for name in trimmed:
        candidate, count = name, seen.get(name, 0)
        while candidate in seen:
            count += 1
            candidate = f"{name}.{count}"
        seen[name] = count
        seen[candidate] = 0
        if candidate != name:
            renamed.append(f"{name} -> {candidate}")
        result.append(candidate)
    notes = []
    if renamed:
        notes.append(f"Renamed repeated column names: {', '.join(renamed)}.")
    return result, notes


def read_csv_table(raw: bytes, filename: str, *, dtype: type | None = None) -> CsvTable:
    """Decode, sniff and read an uploaded CSV; rows that are entirely empty are dropped.

    ``dtype=str`` keeps every value as text (the text task); None lets pandas infer numbers.
    Raises :class:`DataError` with a message that names the file.
    """
    text, notes = decode_csv_bytes(raw, filename)
    declared = EXCEL_SEPARATOR.match(text)  # Excel's optional first line "sep=;"
    if declared:
        text = text[declared.end() :]
    delimiter = declared[1] if declared else sniff_delimiter(text)
    _check_width(text, delimiter, filename)
    try:
        frame = pd.read_csv(
            io.StringIO(text), sep=delimiter, dtype=dtype, skipinitialspace=True, header=0
        )
    except pd.errors.EmptyDataError:
        raise DataError(f"'{filename}' is empty.") from None
    except (pd.errors.ParserError, ValueError, csv.Error) as error:
        raise DataError(_unreadable_message(filename, str(error), delimiter)) from None
    if delimiter == ";":
        notes.append("The values are separated by semicolons.")
    elif delimiter == "\t":
        notes.append("The values are separated by tabs.")
    frame.columns, name_notes = unique_column_names(list(frame.columns))
    frame = frame.dropna(how="all").reset_index(drop=True)  # blank lines, rows of empty fields
    frame, empty_notes = _drop_blank_empty_columns(frame)
    if frame.empty:
        raise DataError(f"'{filename}' has a header but no rows of data.")
    frame.attrs["delimiter"] = delimiter
    return CsvTable(frame, text, delimiter, tuple(notes + name_notes + empty_notes))


def _drop_blank_empty_columns(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Columns with neither a name nor a value (``date,,value,,``: stray separators, or
    spreadsheet columns once used) are dropped, with a note; a named empty column stays (the
    task says what is wrong with it if it is chosen)."""
    blank = [
        name for name in frame.columns if name.startswith("Unnamed: ") and frame[name].isna().all()
    ]
    if not blank or len(blank) == len(frame.columns):
        return frame, []
    return frame.drop(columns=blank), [
        f"Dropped {plural(len(blank), 'column')} with neither a name nor a value."
    ]


def _check_width(text: str, delimiter: str, filename: str) -> None:
    """Refuse, before pandas reads it, a table wider than :data:`MAX_COLUMNS` (its header, the
    first line that is not blank, counted as CSV: quoted separators do not count)."""
    start = len(text) - len(text.lstrip("\r\n"))
    line_end = text.find("\n", start)
    header = text[start : line_end if line_end >= 0 else len(text)]
    if header.count(delimiter) < MAX_COLUMNS:  # cheap: most files stop here
        return
    fields = next(csv.reader([header], delimiter=delimiter), [])
    if len(fields) > MAX_COLUMNS:
        raise DataError(
            f"'{filename}' has {len(fields):,} columns; rnnviz reads at most {MAX_COLUMNS:,}. "
            "For sequences longer than that, upload them in the long layout (one row per step: "
            "id, step, value, label); otherwise keep only the columns you need."
        )


def _unreadable_message(filename: str, error: str, delimiter: str) -> str:
    found = RAGGED.search(error)
    detail = (
        f" Line {found[2]} has {found[3]} values but the header has {found[1]}." if found else ""
    )
    name = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}[delimiter]
    return (
        f"'{filename}' could not be read as CSV.{detail} Every row needs the same number of "
        f"{name}-separated values (put values that contain a {name} in double quotes)."
    )
