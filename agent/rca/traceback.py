"""Frames from traceback text: Python's own format and pytest's long and short formats.

CI failures and log-based alerts carry no structured stack, only text. This turns it into
the same `Frame`s a Sentry event has (oldest first, crash last), plus the exception line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tools.ports import Frame

_PYTHON = re.compile(r'^\s*File "(?P<path>[^"]+)", line (?P<line>\d+), in (?P<func>\S+)')
_PYTEST = re.compile(
    r"^(?P<path>[^\s:]+\.py):(?P<line>\d+):(?: in (?P<func>\S+)| (?P<exc>\w+))?\s*$")
_EXCEPTION = re.compile(r"^(?:E\s+)?(?P<type>[A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|"
                        r"Warning|Failure|Iteration))(?::\s*(?P<message>.*))?$")


@dataclass
class ParsedTraceback:
    frames: list[Frame] = field(default_factory=list)  # oldest first
    exception_type: str = ""
    exception_message: str = ""


def parse_traceback(text: str) -> ParsedTraceback:
    """The last traceback in `text` (chained exceptions: the one finally raised)."""
    result = ParsedTraceback()
    frames: list[Frame] = []
    lines = text.splitlines()
    for number, raw in enumerate(lines):
        line = raw.rstrip()
        if line.startswith("Traceback (most recent call last)"):
            frames = []  # a later traceback supersedes (chained exceptions)
            continue
        if match := _PYTHON.match(line):
            following = lines[number + 1] if number + 1 < len(lines) else ""
            code = following[:1].isspace() and not _PYTHON.match(following)
            context = following.strip() if code and following.strip() else None
            frames.append(Frame(filename=match["path"], abs_path=match["path"],
                                function=match["func"], lineno=int(match["line"]),
                                context_line=context))
        elif match := _PYTEST.match(line):
            frames.append(Frame(filename=match["path"], abs_path=match["path"],
                                function=match["func"] or "", lineno=int(match["line"])))
            if match["exc"]:
                result.exception_type = result.exception_type or match["exc"]
        elif match := _EXCEPTION.match(line.strip()):
            result.exception_type = match["type"].rsplit(".", 1)[-1]
            result.exception_message = (match["message"] or "").strip()
    result.frames = frames
    return result
