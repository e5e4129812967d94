"""RuntimeError "changed size during iteration" → iterate over a copy.

`for k, v in d.items():` on the crashing line becomes `for k, v in list(d.items()):`; the
same for a set or a dict iterated directly, and for comprehensions.
"""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from agent.repair.base import (
    Decline,
    Proposal,
    RepairInput,
    code,
    collect,
    positions,
    replace,
    spans_line,
)

STRATEGY = "template:iterate-copy"


def _rewrites(inp: RepairInput) -> Iterator[tuple[str, str]]:
    module, where = positions(inp.source)
    loops: list[cst.BaseExpression] = []
    for node, pos in where.items():
        in_for = isinstance(node, cst.For) and pos.start.line == inp.line
        in_comprehension = isinstance(node, cst.CompFor) and spans_line(pos, inp.line)
        if in_for or in_comprehension:
            loops.append(node.iter)  # type: ignore[attr-defined]
    for iterable in loops:
        text = code(module, iterable)
        if text.startswith(("list(", "tuple(", "sorted(")):
            continue
        for wrapper in ("list", "tuple"):
            yield (f"Iterate over a copy, `{wrapper}({text})`, so the loop may change it",
                   replace(module, iterable, cst.parse_expression(f"{wrapper}({text})")))


def propose(inp: RepairInput) -> Proposal:
    if inp.exception_type != "RuntimeError" or "changed size during iteration" not in \
            inp.exception_message:
        return Decline(STRATEGY, "applies to RuntimeError: changed size during iteration")
    return collect(inp, STRATEGY, _rewrites(inp), none_reason=f"no loop on line {inp.line}")
