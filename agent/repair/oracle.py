"""The differential oracle: the regression test asserts the value the call returned before
the culprit, not only that it no longer raises.

The calls the regression test can replay (`regression.replayable_calls`, deepest first) are
run in the sandbox at the base and at the culprit's parent. The deepest one that raises the
alert's exception at the base and returns at the parent is the test's call, and what it
returned at the parent is the expected value. Where there is no culprit, every call failed
at the parent too, or no argument could be rebuilt, the test stays a no-raise (or type) test
and its description says why; `RegressionTest.oracle_strength` records which it is.

Comparing only what the culprit's feature did not change. The parent's result is taken
apart into leaves, each with its path (`result["user"]`, `result.lines[0]["sku"]`). The
culprit's writes are read from the parent's and the culprit's text of each Python file it
changes: a name with the expression written to it, for dict display keys (`{"user": uid}`),
subscript stores (`row["user"] = uid`), attribute stores, keyword arguments (`Order(user=…)`),
class-body fields and method bodies. A write present on one side only was changed by the
culprit: on the culprit's side it is *added* (a new key, or a new value for it), on the
parent's side only it is *dropped* (renamed or removed); a write on both sides unchanged
is neither, so a line rewritten for another key does not mark its neighbours. Then a leaf is

- **not compared** when a name on its path is added by the culprit: the feature writes that
  part now, so its value may rightly differ from the parent's (a new key is never in the
  parent's result anyway);
- **compared when present** when its last name is dropped by the culprit and never added:
  the fix may carry it under its new name, but if the result still has it, it must hold the
  parent's value (so `order.get("user", 0)` giving `{"user": 0}` fails where the parent
  gave 7);
- **not compared** when another name on its path is dropped (its container moved);
- **required** otherwise: present and equal (floats with `pytest.approx`).

The call runs twice at the parent; a leaf whose value differs between the two (a clock, a
counter, a random id) is not compared. A scalar result has no names and is always
compared: a feature that deliberately changed the value for this very input makes the
right fix fail too, and then no candidate passes and the incident is escalated rather than
fixed wrongly. Leaves alertfix cannot write as a literal (objects without a usable repr)
are not compared; at most MAX_ASSERTS leaves are.
"""

from __future__ import annotations

import ast
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import git

from agent.repair import oracle_probe
from agent.repair.base import CulpritChange
from agent.repair.regression import ReplayCall, replayable_calls, test_path
from agent.state import RegressionTest
from tools import vcs
from tools.ports import Alert, Frame, Sandbox

MAX_ASSERTS = 40
PROBE_SOURCE = Path(oracle_probe.__file__).read_text()
PROBE_TIMEOUT_S = 60.0


def install_probe(workdir: Path) -> None:
    """The probe as an importable package in the worktree (`-p _alertfix_oracle.probe`)."""
    folder = workdir / oracle_probe.DIR
    folder.mkdir(exist_ok=True)
    (folder / "__init__.py").write_text("")
    (folder / "probe.py").write_text(PROBE_SOURCE)


def run_calls(sandbox: Sandbox, workdir: Path, python: str, calls: list[ReplayCall],
              timeout_s: float = PROBE_TIMEOUT_S) -> dict[str, Any]:
    """Each call's answer in `workdir`: {"result": form} or {"raised": name}; {} when the probe
    itself could not run."""
    install_probe(workdir)
    spec = workdir / oracle_probe.DIR / "spec.json"
    out = workdir / oracle_probe.DIR / "answers.json"
    out.unlink(missing_ok=True)
    spec.write_text(json.dumps({"calls": [{"id": str(i), "script": c.script()}
                                          for i, c in enumerate(calls)],
                                "out": f"{oracle_probe.DIR}/answers.json"}))
    sandbox.run(workdir, [python, "-c", PROBE_SOURCE, "probe", str(spec.relative_to(workdir))],
                timeout_s)
    try:
        answers: dict[str, Any] = json.loads(out.read_text())
    except (OSError, ValueError):
        return {}
    return answers


# -- what the culprit writes

def _writes(source: str | None) -> Counter[tuple[str, str]]:
    """Each (name, expression written to it) in `source`, counted."""
    found: Counter[tuple[str, str]] = Counter()
    if not source:
        return found
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return found
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    found[(key.value, ast.dump(value))] += 1
        elif isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign) and node.value:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                name = _target_name(target)
                if name:
                    found[(name, ast.dump(node.value))] += 1
        elif isinstance(node, ast.keyword) and node.arg:
            found[(node.arg, ast.dump(node.value))] += 1
        elif isinstance(node, ast.ClassDef):
            for item in node.body:  # fields and methods (properties) are attributes too
                if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                    value = item.value if item.value is not None else item.annotation
                    found[(item.target.id, ast.dump(value))] += 1
                elif isinstance(item, ast.Assign):
                    for target in item.targets:
                        if isinstance(target, ast.Name):
                            found[(target.id, ast.dump(item.value))] += 1
                elif isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                    body = ast.Module(body=item.body, type_ignores=[])
                    found[(item.name, ast.dump(body))] += 1
    return found


def _target_name(target: ast.expr) -> str | None:
    """The key or attribute a store writes; a plain local variable is not a part of a
    result."""
    if isinstance(target, ast.Attribute):
        return target.attr
    if isinstance(target, ast.Subscript) and isinstance(target.slice, ast.Constant) \
            and isinstance(target.slice.value, str):
        return target.slice.value
    return None


def culprit_writes(culprit: CulpritChange | None) -> tuple[set[str], set[str]]:
    """(names the culprit added or rewrote, names it only dropped)."""
    before: Counter[tuple[str, str]] = Counter()
    after: Counter[tuple[str, str]] = Counter()
    for path, (parent_text, culprit_text, _) in (culprit.files if culprit else {}).items():
        if path.endswith(".py"):
            before += _writes(parent_text)
            after += _writes(culprit_text)
    added = {name for name, _ in after - before}
    dropped = {name for name, _ in before - after} - added
    return added, dropped


# -- the parent's result, taken apart

@dataclass
class Leaf:
    steps: list[tuple[str, Any]]  # ("key", k) | ("attr", name) | ("index", i)
    value: str  # a Python expression
    imports: set[str]
    is_float: bool = False


def _literal(shape: Any) -> tuple[str, set[str], bool] | None:
    """A leaf form as (expression, imports, is a float), or None when it is not a leaf."""
    if shape is None or isinstance(shape, bool | int | str):
        return repr(shape), set(), False
    if isinstance(shape, float):
        return repr(shape), set(), True
    if isinstance(shape, dict) and "repr" in shape and "import" in shape:
        return shape["repr"], {shape["import"]}, False
    if isinstance(shape, dict) and len(shape) == 1 and next(iter(shape)) in ("list", "tuple",
                                                                             "dict"):
        kind, items = next(iter(shape.items()))
        if not items:
            return {"list": "[]", "tuple": "()", "dict": "{}"}[kind], set(), False
    return None


def leaves(shape: Any, steps: list[tuple[str, Any]] | None = None) -> list[Leaf]:
    steps = steps or []
    literal = _literal(shape)
    if literal is not None:
        return [Leaf(steps, literal[0], literal[1], literal[2])]
    if not isinstance(shape, dict):
        return []
    found: list[Leaf] = []
    if "list" in shape or "tuple" in shape:
        for i, item in enumerate(shape.get("list") or shape.get("tuple") or []):
            found += leaves(item, [*steps, ("index", i)])
    elif "dict" in shape:
        for key, value in shape["dict"]:
            if isinstance(key, str | int) and not isinstance(key, bool):
                found += leaves(value, [*steps, ("key", key)])
    elif "object" in shape:
        for name, value in shape["attrs"].items():
            found += leaves(value, [*steps, ("attr", name)])
    return found


def _path(steps: list[tuple[str, Any]]) -> str:
    return "result" + "".join(f".{v}" if kind == "attr" else f"[{v!r}]" for kind, v in steps)


def assertions(shape: Any, added: set[str], dropped: set[str],
               again: Any = None) -> tuple[list[str], set[str], list[str]]:
    """The assert lines, their imports and the compared paths, by the rule above; with
    `again` (the same call's second result), leaves that differ between the two are left out."""
    lines, imports, compared = [], set(), []
    stable = {_path(leaf.steps): leaf.value for leaf in leaves(again if again is not None
                                                                 else shape)}
    for leaf in leaves(shape):
        names = [v for kind, v in leaf.steps if kind != "index" and isinstance(v, str)]
        if any(n in added for n in names) or any(n in dropped for n in names[:-1]) \
                or stable.get(_path(leaf.steps)) != leaf.value:
            continue
        last = leaf.steps[-1] if leaf.steps else None
        expected = f"pytest.approx({leaf.value})" if leaf.is_float else leaf.value
        if last is not None and last[0] != "index" and last[1] in dropped:
            where = _path(leaf.steps[:-1])
            got = (f"{where}.get({last[1]!r}, {leaf.value})" if last[0] == "key"
                   else f"getattr({where}, {last[1]!r}, {leaf.value})")
            lines.append(f"    assert {got} == {expected}  # when present: the culprit "
                         f"renamed or removed {last[1]!r}\n")
        else:
            lines.append(f"    assert {_path(leaf.steps)} == {expected}\n")
        imports |= leaf.imports | ({"import pytest"} if leaf.is_float else set())
        compared.append(_path(leaf.steps))
        if len(lines) >= MAX_ASSERTS:
            break
    return lines, imports, compared


# -- choosing the call and writing the test

def _raised(answer: dict[str, Any], exception_type: str) -> bool:
    raised = answer.get("raised")
    return bool(raised) and (not exception_type or raised == exception_type.split(".")[-1])


def choose(calls: list[ReplayCall], at_base: dict[str, Any], at_parent: dict[str, Any],
           exception_type: str) -> tuple[ReplayCall | None, dict[str, Any], str]:
    """The deepest call that raises the alert's error at the base and returns at the parent,
    with the parent's answer (its result, twice); or None and why there is none."""
    why = []
    for i, call in enumerate(calls):
        base, parent = at_base.get(str(i), {}), at_parent.get(str(i), {})
        if not _raised(base, exception_type):
            why.append(f"`{call.function}` did not raise {exception_type or 'an error'} when "
                       f"replayed at the base ({base.get('raised') or 'it returned'})")
        elif "result" not in parent or "again" not in parent:
            why.append(f"`{call.function}` also failed at the culprit's parent "
                       f"({parent.get('raised') or 'the probe did not run'})")
        else:
            return call, parent, ""
    return None, {}, "; ".join(why[:3]) or "no call could be replayed"


def write_differential_test(alert: Alert, call: ReplayCall, answer: dict[str, Any],
                            parent_sha: str, culprit: CulpritChange, test_dir: str,
                            ticket_key: str) -> RegressionTest | None:
    """The test expecting `answer` (the parent's, the result twice) from `call`."""
    added, dropped = culprit_writes(culprit)
    lines, imports, compared = assertions(answer["result"], added, dropped, answer["again"])
    if not lines:
        return None
    error = alert.exception_type or "error"
    test_name = f"test_{call.function}_returns_what_it_did_before_the_{error.lower()}"
    body = (
        f'"""Regression test for {ticket_key}, written by alertfix from the event.\n\n'
        f"Replays the call that raised {alert.exception_type} in production, with the\n"
        f"arguments the error report captured, and expects what the same call returned at\n"
        f"{parent_sha[:10]}, the parent of the culprit {culprit.sha[:10]}. Parts the culprit\n"
        f'writes anew are not compared."""\n\n'
        + "".join(f"{line}\n" for line in sorted(set(call.imports) | imports)) + "\n"
        + f"from {call.module} import {', '.join(call.names)}\n\n\n"
        f"def {test_name}() -> None:\n"
        f"    result = {call.function}({call.args})\n" + "".join(lines))
    path = test_path(test_dir, ticket_key)
    shown = ", ".join(f"`{c}`" for c in compared[:4]) + (" …" if len(compared) > 4 else "")
    return RegressionTest(
        path=path, source=body, nodeid=f"{path}::{test_name}",
        oracle_strength="differential value", expected_from=parent_sha, compared=compared,
        description=f"calls `{call.module}.{call.function}` with the arguments captured when "
                    f"{alert.exception_type} was raised, and expects what it returned at "
                    f"{parent_sha[:10]}, before the culprit {culprit.sha[:10]} ({shown})")


def differential_test(sandbox: Sandbox, repo: git.Repo, python: str, alert: Alert,
                      frames: list[Frame], sources: dict[str, str], base_sha: str,
                      culprit: CulpritChange | None, test_dir: str, ticket_key: str,
                      worktrees: Path | None = None) -> tuple[RegressionTest | None, str]:
    """The regression test asserting the parent's value, or None and why it cannot."""
    if culprit is None:
        return None, "there is no culprit commit whose parent could show the expected value"
    calls = replayable_calls(frames, sources)
    if not calls:
        return None, "the failing call's arguments could not be rebuilt from the event"
    parent = vcs.resolve(repo, f"{culprit.sha}^")
    if parent is None:
        return None, f"the culprit {culprit.sha[:10]} has no parent"
    if worktrees is not None:
        worktrees.mkdir(parents=True, exist_ok=True)
    answers = []
    for sha in (base_sha, parent):
        with vcs.worktree(repo, sha, parent=worktrees) as workdir:
            answers.append(run_calls(sandbox, workdir, python, calls))
    call, answer, why = choose(calls, answers[0], answers[1], alert.exception_type)
    if call is None:
        return None, why
    test = write_differential_test(alert, call, answer, parent, culprit, test_dir, ticket_key)
    if test is None:
        return None, (f"what `{call.function}` returned at the parent cannot be written as a "
                      "value, or every part of it is written anew by the culprit")
    return test, ""
