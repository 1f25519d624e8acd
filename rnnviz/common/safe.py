"""User strings made safe for where they are shown or exported. No streamlit here.

File names, column names, class labels, texts and run names come from users. Streamlit renders
Markdown in ``st.markdown/st.error/st.info/st.caption`` (links, images, autolinks, colours,
emoji, LaTeX), Plotly renders a subset of HTML in titles, axis labels, ticks and legends (``<a
href>``, ``<b>``...), and spreadsheets run cells that start with ``= + - @`` as formulas. Each
helper here neutralises one of these, keeping the text readable.
"""

from __future__ import annotations

import html
import re

import pandas as pd

# Characters with a Markdown (or Streamlit Markdown) meaning anywhere in a line.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>!|~$:@#+&])")
# Characters that only mean something at the start of a line ("- item", "1. item", "= heading").
_LINE_START = re.compile(r"^(\s*)([-.=>]|\d+(?=[.)]))")
WORD_JOINER = "\u2060"  # zero width, no line break: invisible in the text shown
_WWW = re.compile(r"(?i)\bwww\.")  # GitHub-flavoured Markdown autolinks "www.example.com"
# OWASP "CSV injection": cells starting with these run as formulas in spreadsheets.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
_NUMBER = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")


def plain(text: object) -> str:
    """``text`` as Markdown that shows it literally, on one line (no links, images, markup)."""
    one_line = " ".join(str(text).split())
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", one_line)
    # GFM autolinks "http://", "www." and "a@b.c" even when escaped: an invisible word joiner
    # breaks each pattern and leaves the text as it reads.
    escaped = _WWW.sub(lambda m: m.group(0)[:-1] + WORD_JOINER + "\\.", escaped)
    escaped = escaped.replace("\\://", WORD_JOINER + "\\://").replace(
        "\\@", f"{WORD_JOINER}\\@{WORD_JOINER}"
    )
    return _LINE_START.sub(lambda m: m.group(1) + _escape_leading(m.group(2)), escaped)


def _escape_leading(token: str) -> str:
    return token + "\\" if token.isdigit() else "\\" + token


def plotly_text(text: object) -> str:
    """``text`` for a Plotly title, axis label, tick or legend: its pseudo-HTML shown literally."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def html_text(text: object) -> str:
    """``text`` inside raw HTML (``st.html``): every tag, entity and quote shown literally."""
    return html.escape(str(text), quote=True)


def spreadsheet_cell(value: object) -> object:
    """A cell that a spreadsheet shows as text, never runs: strings starting with ``= + - @``
    (or a tab or line break) get a leading apostrophe, as OWASP recommends; numbers, and text
    that is just a signed number, are kept as they are."""
    if not isinstance(value, str) or not value.startswith(FORMULA_START):
        return value
    if _NUMBER.match(value):
        return value
    return "'" + value


def safe_csv(frame: pd.DataFrame) -> str:
    """``frame`` as CSV text (no index) whose text cells and header cannot run as formulas."""
    safe = frame.copy()
    safe.columns = [spreadsheet_cell(str(c)) for c in safe.columns]
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(spreadsheet_cell)
    return safe.to_csv(index=False)
