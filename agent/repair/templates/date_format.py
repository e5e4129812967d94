"""A date in another format than the parser expects: ValueError "time data '2026-11-12' does
not match format '%d.%m.%Y'".

The format the data in the message does fit is found among common ones; the call keeps the
old format and accepts the new one, told apart by a separator only the new one has:
`strptime(value, "%Y-%m-%d" if "-" in value else "%d.%m.%Y")`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime

import libcst as cst

from agent.repair.base import (
    Decline,
    Proposal,
    RepairInput,
    code,
    collect,
    is_pure_reference,
    on_line,
    positions,
    replace,
)

STRATEGY = "template:date-format"
_MISMATCH = re.compile(r"time data '([^']*)' does not match format '([^']*)'")
COMMON = ("%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%d.%m.%Y",
          "%d/%m/%Y", "%m/%d/%Y", "%Y/%m/%d", "%d-%m-%Y", "%Y%m%d")


def fitting_formats(data: str) -> list[str]:
    found = []
    for candidate in COMMON:
        try:
            datetime.strptime(data, candidate)
        except ValueError:
            continue
        found.append(candidate)
    return found


def _separator(new: str, old: str) -> str | None:
    """A character the new format has and the old one lacks."""
    for char in re.sub(r"%.", "", new):
        if char not in re.sub(r"%.", "", old):
            return char
    return None


def _rewrites(inp: RepairInput, data: str, old: str) -> Iterator[tuple[str, str]]:
    module, where = positions(inp.source)
    calls = on_line(where, inp.line, cst.Call,
                    lambda n: code(module, n.func).split(".")[-1] == "strptime"
                    and len(n.args) == 2)
    for call in calls:
        value, fmt = call.args[0].value, call.args[1].value
        if not (is_pure_reference(value) or isinstance(value, cst.Subscript)):
            continue
        for new in fitting_formats(data):
            char = _separator(new, old)
            if char is None:
                continue
            text = code(module, value)
            choice = cst.parse_expression(
                f"{new!r} if {char!r} in {text} else {code(module, fmt)}".replace("'", '"'))
            new_call = call.with_changes(args=[call.args[0], call.args[1].with_changes(
                value=choice)])
            yield (f"Also accept dates like '{data}' ({new}), told apart by '{char}'",
                   replace(module, call, new_call))


def propose(inp: RepairInput) -> Proposal:
    mismatch = _MISMATCH.search(inp.exception_message)
    if inp.exception_type != "ValueError" or not mismatch:
        return Decline(STRATEGY, "applies to ValueError: time data does not match format")
    data, old = mismatch.groups()
    if not fitting_formats(data):
        return Decline(STRATEGY, f"no common date format fits {data!r}")
    return collect(inp, STRATEGY, _rewrites(inp, data, old),
                   none_reason=f"no strptime() call on a name on line {inp.line}")
