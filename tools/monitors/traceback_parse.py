"""Python tracebacks and log lines → frames, exception type and message.

PagerDuty alerts (and CI output) carry a traceback as text, often inside log lines with a
timestamp and level in front of every line. The last traceback in the text is the one raised
(chained ones come first), as with Sentry's `exception.values`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from tools.monitors.sentry import is_library_path
from tools.ports import Frame

_HEADER = "Traceback (most recent call last):"
_FRAME = re.compile(r'^\s*File "(?P<path>[^"]+)", line (?P<line>\d+)(?:, in (?P<func>.+))?$')
# `KeyError: 'tier'`, `shop.errors.PaymentDeclined: card 4242`, `StopIteration`
_EXCEPTION = re.compile(r"^(?P<type>[A-Za-z_][\w.]*)(?::\s?(?P<message>.*))?$")
_CARETS = re.compile(r"^\s*[~^\s]+$")
_MAX_TEXT = 256 * 1024  # longer texts are cut: a traceback is near the end of a log anyway
_MAX_DEPTH = 8


@dataclass
class ParsedTraceback:
    exception_type: str
    exception_message: str
    frames: list[Frame] = field(default_factory=list)  # oldest first, crash last


def _prefix_pattern(prefix: str) -> re.Pattern[str]:
    """What precedes every line of this traceback in a log: the header line's prefix, with
    digits free to vary (timestamps, pids)."""
    return re.compile(re.sub(r"\\?\d", r"\\d", re.escape(prefix)))


def _strip(lines: list[str], prefix: re.Pattern[str]) -> list[str]:
    stripped = []
    for line in lines:
        match = prefix.match(line)
        if match is None:
            break  # the log moved on to other lines
        stripped.append(line[match.end():])
    return stripped


def _block(lines: list[str]) -> ParsedTraceback | None:
    frames: list[Frame] = []
    index = 0
    while index < len(lines):
        line = lines[index].rstrip()
        frame = _FRAME.match(line)
        if frame:
            path = frame["path"]
            code = None
            if index + 1 < len(lines) and not _FRAME.match(lines[index + 1]) \
                    and lines[index + 1].startswith("    "):
                code = lines[index + 1].strip()
                index += 1
            frames.append(Frame(filename=path, abs_path=path, function=(frame["func"] or "")
                                .strip(), lineno=int(frame["line"]), context_line=code,
                                in_app=not is_library_path(path)))
        elif line.strip() and not _CARETS.match(line) and not line.startswith(" "):
            exception = _EXCEPTION.match(line.strip())
            if exception is None:
                return None
            message = [exception["message"] or ""]
            for rest in lines[index + 1:]:  # a message may span lines, up to a blank one
                if not rest.strip():
                    break
                message.append(rest.rstrip())
            return ParsedTraceback(exception["type"].rsplit(".", 1)[-1],
                                   "\n".join(message).strip(), frames)
        index += 1
    return None


def parse_traceback(text: str) -> ParsedTraceback | None:
    """The last (raised) traceback in `text`, or None when there is none."""
    text = text[-_MAX_TEXT:].replace("\r\n", "\n")
    lines = text.split("\n")
    starts = [i for i, line in enumerate(lines) if _HEADER in line]
    for start in reversed(starts):
        prefix = _prefix_pattern(lines[start][: lines[start].index(_HEADER)])
        following = _strip(lines[start + 1:], prefix)
        # The next chained traceback, if any, begins after a blank line and a sentence.
        end = next((i for i, line in enumerate(following) if _HEADER in line), len(following))
        parsed = _block(_until_chain(following[:end]))
        if parsed is not None:
            return parsed
    return None


def _until_chain(lines: list[str]) -> list[str]:
    chained = ("During handling of the above exception", "The above exception was the direct")
    for i, line in enumerate(lines):
        if line.startswith(chained):
            return lines[:i]
    return lines


def find_traceback(value: Any, depth: int = 0) -> ParsedTraceback | None:
    """The first traceback in a JSON value: a string, a list of log lines, or nested in
    objects (custom details such as `{"traceback": ...}` or `{"log": [...]}`)."""
    if depth > _MAX_DEPTH:
        return None
    if isinstance(value, str):
        return parse_traceback(value) if "Traceback" in value else None
    if isinstance(value, list):
        if value and all(isinstance(item, str) for item in value):
            return find_traceback("\n".join(value), depth + 1)
        items: list[Any] = value
    elif isinstance(value, dict):
        items = list(value.values())
    else:
        return None
    for item in items:
        found = find_traceback(item, depth + 1)
        if found is not None:
            return found
    return None


# pytest's failure reports (JUnit messages, CI output): `path.py:8: in test_fee` per frame,
# `path.py:3: KeyError` for the raising frame, `E   KeyError: 'tier'` for the exception.
_PYTEST_FRAME = re.compile(
    r"^(?P<path>[^\s:]+\.py):(?P<line>\d+):(?: in (?P<func>\S+)| (?P<exc>\w+))?\s*$")
_PYTEST_EXCEPTION = re.compile(r"^E\s+(?P<type>[A-Za-z_][\w.]*)(?::\s*(?P<message>.*))?$")


def parse_pytest_failure(text: str) -> ParsedTraceback | None:
    """The frames and exception of a pytest failure report, or None when it has no frames."""
    frames: list[Frame] = []
    exception_type, message = "", ""
    for raw in text[-_MAX_TEXT:].splitlines():
        line = raw.rstrip()
        if match := _PYTEST_FRAME.match(line):
            frames.append(Frame(filename=match["path"], abs_path=match["path"],
                                function=match["func"] or "", lineno=int(match["line"]),
                                in_app=not is_library_path(match["path"])))
            exception_type = exception_type or (match["exc"] or "")
        elif match := _PYTEST_EXCEPTION.match(line):  # the `E` line says it best: it wins
            exception_type = match["type"].rsplit(".", 1)[-1]
            message = (match["message"] or "").strip()
    return ParsedTraceback(exception_type, message, frames) if frames else None


def parse_failure_text(text: str) -> ParsedTraceback | None:
    """A Python traceback if the text has one, else a pytest failure report."""
    return parse_traceback(text) or parse_pytest_failure(text)
