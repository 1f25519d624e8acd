"""Escaping user strings for Markdown and Plotly, and neutralising spreadsheet formulas."""

from __future__ import annotations

import csv
import html
import io
import re

import pandas as pd
import pytest
from markdown_it import MarkdownIt

from rnnviz.common.figures import class_balance, confusion_figure
from rnnviz.common.safe import WORD_JOINER, plain, plotly_text, safe_csv, spreadsheet_cell
from rnnviz.tasks.forecast.figures import series_preview

HOSTILE_NAMES = [
    "![x](https://evil.example/pixel.png).csv",
    "[click me](https://evil.example)",
    "<https://evil.example>",
    "<img src=x onerror=alert(1)>",
    "value **bold** _it_ `code`",
    "# heading",
    "- list item",
    "1. numbered",
    "> quote",
    "a | b | c",
    "back\\slash \\[not a link\\](x)",
    "line one\n\n# line two",
]


def rendered(markdown: str) -> str:
    return MarkdownIt("commonmark", {"html": True}).render(markdown)


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_plain_markdown_shows_the_text_and_nothing_else(name: str) -> None:
    """Rendered by a CommonMark parser: one paragraph, no link, image, HTML or markup, and the
    text reads exactly as the original (with its line breaks as spaces)."""
    out = rendered(plain(name))
    assert out.startswith("<p>") and out.count("<p>") == 1
    assert not re.search(r"<(a|img|em|strong|code|h\d|li|blockquote|table)\b", out)
    text = html.unescape(re.sub(r"<[^>]+>", "", out)).strip()
    assert text.replace(WORD_JOINER, "") == " ".join(name.split())


# GitHub-flavoured Markdown's autolink literals, which Streamlit's renderer links even when escaped
# (checked in Chromium): "scheme://", "www.", and an address around "@".
AUTOLINK_LITERAL = re.compile(r"(?i)[a-z]://|\bwww\.|[\w.+-]@[\w-]")


@pytest.mark.parametrize(
    "name",
    [
        "see https://evil.example",
        "file http://evil.example/x.csv",
        "www.evil.example and WWW.evil.example",
        "me@evil.example",
        "mailto:me@evil.example",
        "xmpp:me@evil.example",
    ],
)
def test_plain_breaks_autolinks(name: str) -> None:
    """The text as shown has no autolink pattern left, and reads as the original."""
    text = html.unescape(re.sub(r"<[^>]+>", "", rendered(plain(name)))).strip()
    assert not AUTOLINK_LITERAL.search(text)
    assert text.replace(WORD_JOINER, "") == name


def test_plain_breaks_streamlit_directives() -> None:
    # Streamlit's :colour[...] / :emoji: / $math$ syntax.
    assert plain(":red[alarm] :smile: $x^2$").replace(WORD_JOINER, "") == (
        "\\:red\\[alarm\\] \\:smile\\: \\$x^2\\$"
    )
    assert plain("sales 2020-01 21.5 MB") == "sales 2020-01 21.5 MB"  # ordinary text stays


def test_plotly_text_escapes_pseudo_html() -> None:
    assert plotly_text('<a href="https://evil">x</a> & y') == (
        '&lt;a href="https://evil"&gt;x&lt;/a&gt; &amp; y'
    )


def test_figures_escape_labels_columns_and_titles() -> None:
    link = '<a href="https://evil.example">pos</a>'
    bars = class_balance({link: 3, "neg": 2})
    assert list(bars.data[0].x) == [plotly_text(link), "neg"]
    confusion = confusion_figure([[1, 0], [0, 1]], [link, "neg"])
    assert "<a" not in str(confusion.data[0].x) + str(confusion.data[0].y)
    frame = pd.DataFrame({"<b>v</b>": range(10)}, index=pd.RangeIndex(10))
    preview = series_preview(frame, "<b>v</b>", 6, 8, title="<a href='x'>file.csv</a>")
    assert preview.layout.title.text == "&lt;a href='x'&gt;file.csv&lt;/a&gt;"
    assert preview.layout.yaxis.title.text == "&lt;b&gt;v&lt;/b&gt;"


def test_spreadsheet_cells_never_start_a_formula() -> None:
    assert spreadsheet_cell('=HYPERLINK("http://evil","x")') == '\'=HYPERLINK("http://evil","x")'
    assert [spreadsheet_cell(v) for v in ("+1+2", "-2+3", "@SUM(A1)", "\t=1", "\r=1")] == [
        "'+1+2",
        "'-2+3",
        "'@SUM(A1)",
        "'\t=1",
        "'\r=1",
    ]
    assert [spreadsheet_cell(v) for v in ("-3.5", "+12", "good film", 7, None)] == [
        "-3.5",
        "+12",
        "good film",
        7,
        None,
    ]


def test_safe_csv_neutralises_text_cells_and_headers_but_keeps_numbers() -> None:
    frame = pd.DataFrame(
        {
            "text": ["=cmd|' /C calc'!A0", "fine", "-1.5"],
            "=label": ["@pos", "+neg", "neg"],
            "p": [0.25, -0.5, 1.0],
        }
    )
    rows = list(csv.reader(io.StringIO(safe_csv(frame))))
    assert rows[0] == ["text", "'=label", "p"]
    assert rows[1] == ["'=cmd|' /C calc'!A0", "'@pos", "0.25"]
    assert rows[2] == ["fine", "'+neg", "-0.5"]
    assert rows[3] == ["-1.5", "neg", "1.0"]
    assert not any(cell.startswith(("=", "+", "@")) for row in rows for cell in row)
