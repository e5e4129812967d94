"""Behaviour preservation: a candidate must not change what the functions it edits return for
the inputs the repository's own passing tests give them.

The functions a candidate changes are those whose definition differs from the base's. Their
calls are recorded by a pytest plugin (`agent/repair/oracle_probe.py`, installed in the
worktree as `_alertfix_oracle/probe.py` and loaded with `-p`) during the run of the changed
module's tests that validation makes anyway, in the warm worker or the cold runner alike:
the arguments' form at the call, the result's form at the return. At the base the same
tests are run twice with the recorder, once per set of functions, and kept are the calls
made by tests that passed, that returned (not raised), whose arguments have a form, and
whose result was the same every time for the same test and arguments (so clocks and
counters drop out). An input is the test and the arguments together: a function may read
more than its arguments (the environment, a module's state, which a test sets up), so a
call is only compared with the base's calls in the same test. A candidate whose run
returns something else for one of those inputs, or raises where the base returned, is
rejected, the reason naming the function, the test and the input.

When the recorder cannot run (the plugin did not load, no tests exercise the function),
preservation says so once in the notes and does not reject anything.
"""

from __future__ import annotations

import ast
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent.repair import oracle_probe
from agent.repair.oracle import install_probe
from agent.repair.runner import TestRunner
from agent.state import Candidate

PLUGIN = ["-p", f"{oracle_probe.DIR}.probe"]
CONFIG = f"{oracle_probe.DIR}/config.json"
CALLS = f"{oracle_probe.DIR}/calls.json"

Function = tuple[str, str]  # (repository path, qualified name)


def definitions(source: str) -> dict[str, str]:
    """Every function and method of a module: qualified name -> its dumped tree."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return {}
    found: dict[str, str] = {}

    def visit(body: list[ast.stmt], prefix: str) -> None:
        for node in body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                found[prefix + node.name] = ast.dump(node)
                visit(node.body, f"{prefix}{node.name}.<locals>.")
            elif isinstance(node, ast.ClassDef):
                visit(node.body, f"{prefix}{node.name}.")

    visit(tree.body, "")
    return found


def changed_functions(base: dict[str, str], files: dict[str, str]) -> list[Function]:
    """The functions of the base that `files` (path -> new text) define differently."""
    changed = []
    for path, text in sorted(files.items()):
        if not path.endswith(".py") or path not in base:
            continue
        before, after = definitions(base[path]), definitions(text)
        changed += [(path, name) for name, tree in before.items()
                    if name in after and after[name] != tree]
    return changed


def same(a: Any, b: Any) -> bool:
    """Two forms equal, floats within a relative 1e-9."""
    if isinstance(a, float) or isinstance(b, float):
        return isinstance(a, int | float) and isinstance(b, int | float) and \
            not isinstance(a, bool) and not isinstance(b, bool) and math.isclose(a, b,
                                                                                rel_tol=1e-9)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and bool(a == b)


def show(shape: Any, limit: int = 120) -> str:
    """A form as Python-like text, for a reason a reviewer reads."""
    def text(s: Any) -> str:
        if not isinstance(s, dict):
            return repr(s)
        if "list" in s:
            return "[" + ", ".join(text(i) for i in s["list"]) + "]"
        if "tuple" in s:
            return "(" + ", ".join(text(i) for i in s["tuple"]) + ")"
        if "set" in s:
            return "{" + ", ".join(text(i) for i in s["set"]) + "}"
        if "dict" in s:
            return "{" + ", ".join(f"{text(k)}: {text(v)}" for k, v in s["dict"]) + "}"
        if "object" in s:
            attrs = ", ".join(f"{k}={text(v)}" for k, v in s["attrs"].items())
            return f"{s['object'].rsplit('.', 1)[-1]}({attrs})"
        if "raised" in s:
            return "an exception"
        return str(s.get("repr") or f"<{s.get('opaque', '?')}>")

    out = text(shape)
    return out if len(out) <= limit else out[:limit - 1] + "…"


@dataclass
class Preservation:
    """Records at the base on demand, then checks each candidate's run of the same tests."""

    workdir: Path
    baseline: dict[str, str]  # node id -> outcome at the base
    timeout_s: float
    notes: list[str] = field(default_factory=list)
    enabled: bool = True
    base_sources: dict[str, str] = field(default_factory=dict)
    # (test, function, arguments) -> the result at the base
    expected: dict[tuple[str, str, str], Any] = field(default_factory=dict)
    recorded: set[Function] = field(default_factory=set)

    def __post_init__(self) -> None:
        install_probe(self.workdir)

    def _base_text(self, path: str) -> str | None:
        if path not in self.base_sources:
            file = self.workdir / path
            self.base_sources[path] = file.read_text() if file.is_file() else ""
        return self.base_sources[path] or None

    def _configure(self, functions: list[Function]) -> None:
        (self.workdir / CALLS).unlink(missing_ok=True)
        (self.workdir / CONFIG).write_text(json.dumps(
            {"functions": [list(f) for f in functions], "out": CALLS}))

    def _calls(self) -> list[dict[str, Any]] | None:
        try:
            calls: list[dict[str, Any]] = json.loads((self.workdir / CALLS).read_text())["calls"]
        except (OSError, ValueError, KeyError):
            return None
        return calls

    def _record_base(self, runner: TestRunner, functions: list[Function],
                     tests: list[str]) -> None:
        seen: dict[tuple[str, str, str], list[Any]] = {}
        for _ in range(2):
            self._configure(functions)
            runner.run({}, [*PLUGIN, *tests], self.timeout_s)
            calls = self._calls()
            if calls is None:
                self.enabled = False
                self.notes.append("behaviour preservation: the call recorder did not run in "
                                  "the repository's tests; candidates are not checked for "
                                  "changed return values")
                return
            for call in calls:
                if call["args"] is None or self.baseline.get(call["test"]) != "passed" \
                        or call["result"] == {"raised": True}:
                    continue
                key = (call["test"], call["function"], call["args"])
                seen.setdefault(key, []).append(call["result"])
        for key, results in seen.items():
            if all(same(results[0], r) for r in results[1:]) and len(results) > 1:
                self.expected[key] = results[0]
        self.recorded |= set(functions)

    def plugin_args(self, runner: TestRunner, candidate: Candidate,
                    tests: list[str]) -> list[str]:
        """The pytest arguments that record the candidate's changed functions during its run
        of `tests` (recording the base first when needed); [] when there is nothing to
        check."""
        if not self.enabled or not tests:
            return []
        files = candidate.changed_files()
        base = {p: t for p in files if (t := self._base_text(p)) is not None}
        functions = changed_functions(base, files)
        missing = [f for f in functions if f not in self.recorded]
        if missing:
            self._record_base(runner, missing, tests)
        keys = {f"{path}::{name}" for path, name in functions}
        if not self.enabled or not any(fn in keys for _, fn, _ in self.expected):
            return []  # no passing test gave these functions an input: nothing to compare
        self._configure(functions)
        return PLUGIN

    def changes(self) -> str:
        """What the candidate's run returned differently from the base, or ""."""
        calls = self._calls()
        if calls is None:
            return ""
        changed = []
        for call in calls:
            key = (call["test"], call["function"], call["args"])
            if call["args"] is None or key not in self.expected:
                continue
            before, now = self.expected[key], call["result"]
            if now == {"raised": True} or not same(before, now):
                path, name = call["function"].split("::", 1)
                args = ", ".join(f"{k}={show(v, 60)}" for k, v in json.loads(
                    call["args"]).items() if k != "self")
                changed.append(f"`{name}({args})` in {path} returned {show(before)} at the base "
                               f"(in {call['test']}), now "
                               f"{'raises' if now == {'raised': True} else show(now)}")
        return "; ".join(changed[:2])
