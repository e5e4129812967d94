"""Building a RepairInput from a small source, and running a candidate in process."""

from __future__ import annotations

import itertools
import sys
import textwrap
import types
from typing import Any

from agent.repair.base import RepairInput
from agent.state import Candidate
from tools import code_index
from tools.ports import TestCaseResult, TestRun

_numbers = itertools.count()


def make_input(source: str, function: str, error: str, message: str, *,
               line_containing: str | None = None, **extra: Any) -> RepairInput:
    """The input for `function` in `source`, crashing on the first line that contains
    `line_containing` (default: the function's last line)."""
    source = textwrap.dedent(source).lstrip("\n")
    symbol = code_index.find_function(source, function)
    assert symbol is not None, function
    lines = source.splitlines()
    line = symbol.end_line
    if line_containing is not None:
        line = next(i for i, text in enumerate(lines, 1)
                    if line_containing in text and symbol.start_line <= i <= symbol.end_line)
    return RepairInput(path="pkg/mod.py", source=source, function=function,
                       function_start=symbol.start_line, function_end=symbol.end_line,
                       line=line, exception_type=error, exception_message=message, **extra)


def load(source: str) -> types.ModuleType:
    """`source` executed as a module (registered, as dataclasses expect)."""
    name = f"alertfix_candidate_{next(_numbers)}"
    module = types.ModuleType(name)
    sys.modules[name] = module
    exec(compile(source, f"{name}.py", "exec"), module.__dict__)
    return module


def call(candidate: Candidate | str, function: str, *args: Any, **kwargs: Any) -> Any:
    source = candidate if isinstance(candidate, str) else candidate.new_source
    return getattr(load(source), function)(*args, **kwargs)


def first_working(candidates: list[Candidate], check: Any) -> Candidate | None:
    """The first candidate whose module passes `check(module)` without raising."""
    for candidate in candidates:
        try:
            if check(load(candidate.new_source)) is not False:
                return candidate
        except Exception:
            continue
    return None


class InProcessRunner:
    """A TestRunner over plain check functions, each given the candidate's module: the
    search logic tested without a pytest per candidate."""

    __test__ = False
    isolation = "in-process"

    def __init__(self, path: str, base_source: str,
                 checks: dict[str, Any]) -> None:
        self.path, self.base_source, self.checks = path, base_source, checks
        self.calls = 0

    def run(self, files: dict[str, str], tests: list[str], timeout_s: float) -> TestRun:
        self.calls += 1
        source = files.get(self.path, self.base_source)
        results, output = [], []
        for nodeid in tests or list(self.checks):
            try:
                self.checks[nodeid](load(source))
                outcome, message = "passed", ""
            except Exception as exc:
                outcome, message = "failed", f"{type(exc).__name__}: {exc}"
                output.append(f"FAILED {nodeid} - {message}")
            results.append(TestCaseResult(nodeid=nodeid, outcome=outcome, message=message))
        failed = any(r.outcome == "failed" for r in results)
        return TestRun(command=["in-process"], exit_code=1 if failed else 0, tests=results,
                       output="\n".join(output))


def search_with(inp: RepairInput, checks: dict[str, Any], reproduction: list[str],
                proposals: list[Candidate] | None = None, **options: Any
                ) -> tuple[Any, InProcessRunner]:
    """Run the whole search on `inp` with `checks` as the suite; confirm accepts as is;
    `options` are Search's (budgets)."""
    from agent.repair.search import Search
    from agent.repair.validation import Validator, outcomes

    runner = InProcessRunner(inp.path, inp.source, checks)
    baseline = outcomes(runner.run({}, [], 10))
    validator = Validator(runner, baseline, reproduction, 10.0,
                          lambda candidate: list(checks))
    search = Search(validator, lambda candidate, validation: validation, **options)
    return search.run(inp, proposals or []), runner
