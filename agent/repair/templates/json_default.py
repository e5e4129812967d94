"""TypeError "Object of type date is not JSON serializable": give `json.dumps`/`json.dump`
on the crashing line a `default=` that writes what JSON cannot (`str`, which writes dates in
ISO format, Decimals as digits)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import libcst as cst

from agent.repair.base import (
    Decline,
    Proposal,
    RepairInput,
    code,
    collect,
    on_line,
    positions,
    replace,
)

STRATEGY = "template:json-default"
_NOT_SERIALIZABLE = re.compile(r"Object of type \w+ is not JSON serializable")


def _rewrites(inp: RepairInput) -> Iterator[tuple[str, str]]:
    module, where = positions(inp.source)
    calls = on_line(where, inp.line, cst.Call, lambda n: code(module, n.func).split(".")[-1]
                    in ("dumps", "dump") and not any(
                        a.keyword and a.keyword.value in ("default", "cls") for a in n.args))
    for call in reversed(calls):
        for default in ("str", "lambda value: value.isoformat()"):
            new = call.with_changes(args=[*call.args, cst.Arg(
                cst.parse_expression(default), keyword=cst.Name("default"),
                equal=cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""),
                                      whitespace_after=cst.SimpleWhitespace("")))])
            yield (f"Serialise what JSON cannot with `default={default}`",
                   replace(module, call, new))


def propose(inp: RepairInput) -> Proposal:
    if inp.exception_type != "TypeError" or not _NOT_SERIALIZABLE.search(inp.exception_message):
        return Decline(STRATEGY, "applies to TypeError: Object of type X is not JSON serializable")
    return collect(inp, STRATEGY, _rewrites(inp),
                   none_reason=f"no json.dumps()/dump() call on line {inp.line}")
