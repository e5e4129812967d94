"""KeyError after a key was renamed: read the new key and fall back to the old one.

When the culprit commit changed the crashing key's literal (`"SMTP_HOST"` became
`"BILLING_SMTP_HOST"`), data written under the old name still exists (environments, stored
records). `m["NEW"]` becomes `m.get("NEW") or m["OLD"]`, and `m.get("NEW", d)` becomes
`m.get("NEW") or m.get("OLD", d)`, for every key the same commit renamed inside the
function (a rename is one change; fixing only the key that crashed first leaves the others).
key-get defers to this template when the culprit renamed the missing key.
"""

from __future__ import annotations

import ast
import difflib
import io
import json
import tokenize
from collections.abc import Iterator

import libcst as cst

from agent.repair import culprit_edits
from agent.repair.base import (
    Decline,
    Proposal,
    RepairInput,
    code,
    collect,
    function_node,
    positions,
    replace_many,
)

STRATEGY = "template:key-fallback"


def _lenient(text: str) -> str:
    """`m.get(NEW) or m[OLD]` → `m.get(NEW) or m.get(OLD)`."""
    head, _, tail = text.rpartition(" or ")
    if tail.endswith("]") and "[" in tail:
        subject, _, key = tail[:-1].rpartition("[")
        return f"{head} or {subject}.get({key})"
    return text


def _like(value: str, literal: str) -> str:
    """`value` as a literal quoted the way `literal` is."""
    return json.dumps(value) if literal.startswith('"') else repr(value)


def replaced_literals(parent: str, culprit: str, key: str) -> list[str]:
    """Literals (as source text) the culprit removed from lines it replaced with a read of
    `key`: `return "eu-west"` became `return os.environ["REGION"]`, so "eu-west" is the
    default the code had before."""
    before, after = parent.splitlines(), culprit.splitlines()
    found: list[str] = []
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "replace" or not any(key in line for line in after[j1:j2]):
            continue
        for line in before[i1:i2]:
            try:
                tokens = list(tokenize.generate_tokens(io.StringIO(line.strip() + "\n").readline))
            except (tokenize.TokenError, IndentationError, SyntaxError):
                continue
            found += [tok.string for tok in tokens if tok.type in (tokenize.STRING,
                                                                   tokenize.NUMBER)
                      and key not in tok.string]
    return list(dict.fromkeys(found))[:3]


def _key(module: cst.Module, node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.SimpleString):
        value = ast.literal_eval(code(module, node))
        return value if isinstance(value, str) else None
    return None


def _reads(module: cst.Module, function: cst.FunctionDef,
           renames: dict[str, str]) -> list[tuple[str, cst.BaseExpression, str]]:
    """(new key, the read expression, its fallback form) for each renamed key read."""
    found: list[tuple[str, cst.BaseExpression, str]] = []

    class Reads(cst.CSTVisitor):
        def visit_Subscript(self, node: cst.Subscript) -> None:
            index = node.slice[0].slice if len(node.slice) == 1 else None
            key = _key(module, index.value) if isinstance(index, cst.Index) else None
            if key in renames:
                assert isinstance(index, cst.Index)
                subject, new = code(module, node.value), code(module, index.value)
                found.append((key, node, f"{subject}.get({new}) or "
                                         f"{subject}[{_like(renames[key], new)}]"))

        def visit_Call(self, node: cst.Call) -> None:
            func = node.func
            if not (isinstance(func, cst.Attribute) and func.attr.value == "get"
                    and 1 <= len(node.args) <= 2):
                return
            key = _key(module, node.args[0].value)
            if key in renames:
                subject, new = code(module, func.value), code(module, node.args[0].value)
                default = f", {code(module, node.args[1].value)}" if len(node.args) == 2 else ""
                found.append((key, node, f"({subject}.get({new}) or "
                                         f"{subject}.get({_like(renames[key], new)}{default}))"))

    function.visit(Reads())
    return found


def _rewrites(inp: RepairInput, renames: dict[str, str], missing: str) -> Iterator[
        tuple[str, str]]:
    module, where = positions(inp.source)
    function = function_node(where, inp)
    if function is None:
        return
    reads = _reads(module, function, renames)
    if not any(key == missing for key, _, _ in reads):
        return
    # The keys one commit renamed belong together: all of them fall back, not only the one
    # that happened to be read first.
    mapping = [(node, cst.parse_expression(text)) for _, node, text in reads]
    old = ", ".join(sorted({renames[k] for k, _, _ in reads}))
    yield (f"Read the keys renamed by the culprit under their new names, falling back to the "
           f"names they had before ({old})", replace_many(module, mapping))
    # Where neither name is set (the sandbox has no production environment, say), a strict
    # read of the old name still raises; the lenient shape yields None instead.
    lenient = [(node, cst.parse_expression(_lenient(text))) for _, node, text in reads]
    yield (f"Read the keys renamed by the culprit under their new names, falling back to the "
           f"names they had before ({old}), None when neither is set",
           replace_many(module, lenient))


def propose(inp: RepairInput) -> Proposal:
    if inp.exception_type != "KeyError":
        return Decline(STRATEGY, f"applies to KeyError, not {inp.exception_type}")
    try:
        missing = ast.literal_eval(inp.exception_message.strip())
    except (ValueError, SyntaxError):
        return Decline(STRATEGY, "the missing key is not a literal")
    culprit = inp.culprit
    if culprit is None or inp.path not in culprit.files:
        return Decline(STRATEGY, "no culprit commit changed this file")
    renames = culprit_edits.read(culprit).keys_renamed_in(inp.path)
    if missing not in renames:
        return Decline(STRATEGY, f"the culprit did not rename the key {missing!r}")
    return collect(inp, STRATEGY, _rewrites(inp, renames, missing),
                   none_reason=f"no read of {missing!r} in {inp.function}")
