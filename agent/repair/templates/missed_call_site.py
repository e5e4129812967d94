"""Apply the culprit's change to the call site it missed.

A commit that changes how something is used (`row["total"]` became `row.total` when a dict
became a dataclass; `fetch(id)` became `fetch(id, tenant=tenant)` when a parameter was added)
makes the same edit in many places. The crashing line is one it missed: the same edit,
token for token, is made there (first on the crashing line alone, then on every line of the
function that has the old form). The edit is the culprit's own, so the fix reads like the
rest of its change.

An edit that picks one element of what became a collection (`["secret"]` became
`["secrets"][0]`) is not repeated: the culprit chose the element for the place it edited
(sign with the newest secret), and the place it missed may need another or all of them
(verify against every secret). Repeating it would look like a fix and be a guess.
"""

from __future__ import annotations

import ast
import builtins
import keyword
import tokenize
from collections.abc import Iterator

from agent.repair import culprit_edits
from agent.repair.base import Decline, Proposal, RepairInput, collect
from agent.repair.culprit_edits import Edit, tokens

STRATEGY = "template:missed-call-site"


def _apply(line: str, edit: Edit) -> str | None:
    """`line` with the edit made once wherever it fits, or None where it does not."""
    found = tokens(line)
    if not found:
        return None
    strings = [t.string for t in found]
    indent = len(line) - len(line.lstrip())
    body = line.strip()
    spans: list[tuple[int, int, str]] = []  # (start, end, replacement) in `body`
    if edit.callee:
        for at, token in enumerate(strings[:-1]):
            if token != edit.callee or strings[at + 1] != "(":
                continue
            depth = 0
            for close in range(at + 1, len(strings)):
                depth += {"(": 1, ")": -1}.get(strings[close], 0)
                if depth == 0:
                    break
            else:
                continue
            inside = body[found[at + 1].end[1]:found[close].start[1]]
            if edit.new.lstrip(", ").split("=")[0].strip() not in inside:
                spans.append((found[close].start[1], found[close].start[1], edit.new))
    else:
        n = len(edit.old)
        at = 0
        while at + n <= len(strings):
            if tuple(strings[at:at + n]) == edit.old:
                spans.append((found[at].start[1], found[at + n - 1].end[1], edit.new))
                at += n
            else:
                at += 1
    if not spans:
        return None
    for start, end, text in sorted(spans, reverse=True):
        body = body[:start] + text + body[end:]
    return line[:indent] + body + ("\n" if line.endswith("\n") else "")


def bound_names(inp: RepairInput) -> set[str]:
    """Names the crashing function can use: its own bindings, the module's, the builtins."""
    names = set(dir(builtins))
    try:
        tree = ast.parse(inp.source)
    except SyntaxError:
        return names
    for node in tree.body:  # module level
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
        else:
            names |= {n.id for n in ast.walk(node) if isinstance(n, ast.Name)
                      and isinstance(n.ctx, ast.Store)}
    for function in ast.walk(tree):  # the crashing function's parameters and locals
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef) and \
                function.lineno <= inp.line <= (function.end_lineno or function.lineno):
            names |= {a.arg for a in ast.walk(function.args) if isinstance(a, ast.arg)}
            names |= {n.id for n in ast.walk(function) if isinstance(n, ast.Name)
                      and isinstance(n.ctx, ast.Store)}
    return names


def _free_names(text: str) -> set[str]:
    """Identifiers `text` reads that are not attributes (`x` in `x.y`, not `y`)."""
    found = tokens(text)
    return {t.string for at, t in enumerate(found) if t.type == tokenize.NAME
            and not keyword.iskeyword(t.string)
            and not (at > 0 and found[at - 1].string == ".")
            and not (at + 1 < len(found) and found[at + 1].string == "=")}


def _rewrites(inp: RepairInput, edits: list[Edit]) -> Iterator[tuple[str, str]]:
    lines = inp.source.splitlines(keepends=True)
    crash = inp.line - 1
    bound = bound_names(inp)
    for edit in edits:
        if _free_names(edit.new) - bound - set(edit.old):
            continue  # the culprit's edit uses a name this function does not have
        shown = f"`{edit.callee}(…{edit.new})`" if edit.callee else \
            f"`{' '.join(edit.old)}` → `{edit.new}`"
        if 0 <= crash < len(lines) and (new := _apply(lines[crash], edit)) is not None:
            yield (f"Make the culprit's change {shown} on the line it missed",
                   "".join([*lines[:crash], new, *lines[crash + 1:]]))
        changed = list(lines)
        for at in range(inp.function_start, min(inp.function_end, len(lines))):
            if (new := _apply(lines[at], edit)) is not None:
                changed[at] = new
        if changed != lines:
            yield (f"Make the culprit's change {shown} everywhere in {inp.function}",
                   "".join(changed))


def propose(inp: RepairInput) -> Proposal:
    if inp.culprit is None:
        return Decline(STRATEGY, "no culprit commit to repeat")
    found = culprit_edits.read(inp.culprit).edits
    if not found:
        return Decline(STRATEGY, "the culprit made no edit to repeat")
    ordered = sorted((e for e in found if not e.selects_element),
                     key=lambda e: (-found[e], e.old, e.new))
    picks = [e for e in found if e.selects_element]
    reason = f"no edit of the culprit fits {inp.function}"
    if picks and not ordered:
        reason = (f"the culprit's change `{' '.join(picks[0].old)}` → `{picks[0].new}` picks one "
                  "element of what became a collection; which element, or all of them, "
                  f"{inp.function} needs is for a human to decide")
    return collect(inp, STRATEGY, _rewrites(inp, ordered), none_reason=reason)
