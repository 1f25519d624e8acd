"""Error messages fit for the page: what was wrong with the user's file or setting and what to
do, never a library's internals. No streamlit here.

rnnviz's own exceptions (``DataError``, ``ModelFileError``, ``RunError``, a ``ValueError`` it
raises about a setting) are written for users. Anything else that reaches a page (Keras, h5py,
TensorFlow, pandas or Python itself: "Layer 'lstm' expected 3 variables", "Unable to
synchronously open file", ``AttributeError(...)``) is logged with its traceback, and the page
shows a plain sentence instead.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

LOG = logging.getLogger("rnnviz")
PACKAGE = Path(__file__).resolve().parents[1]  # rnnviz/
# Tell-tale signs of text written for programmers, not users (also what the tests look for).
INTERNAL_TEXT = re.compile(
    r"Traceback|\bh5py\b|\bkeras\.|tensorflow|site-packages|\.venv\b|\bpython3\.\d+/"
    r"|\b[A-Z]\w*(?:Error|Exception)\b|object has no attribute|Unable to (?:synchronously )?open"
    r"|Layer '[^']*' expected|\[Errno \d+\]|<class '|\bdtype\b|\bNoneType\b"
)


def looks_internal(text: object) -> bool:
    """Whether ``text`` shows a library's or Python's internals (see :data:`INTERNAL_TEXT`)."""
    return bool(INTERNAL_TEXT.search(str(text)))


def user_message(error: BaseException, fallback: str) -> str:
    """``error``'s own message when rnnviz raised it for users (in its own code, with no
    internal text in it); else ``fallback``, a plain sentence, with ``error`` logged."""
    said = error.args[0] if isinstance(error, KeyError) and error.args else error  # unquoted
    text = " ".join(str(said).split())
    if text and _raised_by_rnnviz(error) and not looks_internal(text):
        return text
    LOG.warning("Shown as %r: %s: %s", fallback, type(error).__name__, text, exc_info=error)
    return fallback


def os_reason(error: OSError) -> str:
    """The system's reason for a failed file operation in plain words ("Permission denied",
    "No space left on device"), without Python's "[Errno 13]" prefix."""
    code = getattr(error, "errno", None)
    if isinstance(code, int) and code > 0:
        return os.strerror(code)
    LOG.warning("File operation failed: %r", error)
    return "the file system refused the operation"


def _raised_by_rnnviz(error: BaseException) -> bool:
    """Whether ``error`` was raised in rnnviz's code (its innermost frame), or is one of
    rnnviz's own exception classes when it carries no traceback."""
    frame = error.__traceback__
    if frame is None:
        return type(error).__module__.split(".")[0] == "rnnviz"
    while frame.tb_next is not None:
        frame = frame.tb_next
    return Path(frame.tb_frame.f_code.co_filename).resolve().is_relative_to(PACKAGE)
