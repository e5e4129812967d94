"""Spectrum-based fault localisation: which statements the failing tests run and the passing
ones do not.

The tests are run once at the base under line and arc tracing (the warm worker's
`covered`). Each line of the repository's code (test files left out) is scored by Ochiai,
ef / sqrt(nf * (ef + ep)), where ef and ep are the failing and passing tests that ran it and
nf all failing tests. An arc (a line followed by another in the same frame) is scored the
same way and lends its score to the line it leaves: a decision that sends only the failing
tests one way is suspicious even when both ways run the decision's line. Ties go to what RCA
found: lines whose text the culprit commit added, then lines in the function RCA located,
nearest its line first.

The ranking steers the search (mutations of the most suspicious statements first, the top
functions as further targets), picks the tests each candidate runs (those that ran a line it
changes), and the top lines go into the pull request's evidence.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent.repair.base import RepairInput
from agent.repair.runner import WarmWorker, WorkerError
from agent.state import Candidate
from tools import code_index
from tools.ports import TestRun

TOP = 5  # suspicious lines shown as evidence
_TEST_FILE = re.compile(r"(^|/)(test_[^/]*|[^/]*_test|conftest)\.py$")


@dataclass(frozen=True)
class Suspect:
    path: str
    line: int
    score: float
    failing: int  # failing tests that ran it
    passing: int  # passing tests that ran it
    culprit_added: bool = False

    def __str__(self) -> str:
        added = ", added by the culprit" if self.culprit_added else ""
        return (f"{self.path}:{self.line} (Ochiai {self.score:.2f}: run by {self.failing} "
                f"failing and {self.passing} passing test(s){added})")


def ochiai(failing: int, passing: int, total_failing: int) -> float:
    if failing == 0 or total_failing == 0:
        return 0.0
    return failing / math.sqrt(total_failing * (failing + passing))


@dataclass
class Localisation:
    suspects: list[Suspect]  # most suspicious first, score > 0 only
    runs: dict[tuple[str, int], set[str]] = field(default_factory=dict)  # line → tests

    def scores(self, path: str) -> dict[int, float]:
        return {s.line: s.score for s in self.suspects if s.path == path}

    def evidence(self, n: int = TOP) -> list[str]:
        return [str(s) for s in self.suspects[:n]]

    def tests_running(self, candidate: Candidate, sources: dict[str, str]) -> list[str] | None:
        """The tests that ran at the base a line the candidate changes (or the lines around
        an insertion), in node id order; None when no test ran any (the caller then picks
        tests another way)."""
        found: set[str] = set()
        for path, text in candidate.changed_files().items():
            for line in changed_lines(sources.get(path, ""), text):
                found |= self.runs.get((path, line), set())
        return sorted(found) or None

    def picker(self, fallback: Callable[[Candidate], list[str]],
               workdir: Path) -> Callable[[Candidate], list[str]]:
        """A candidate's tests after the reproduction: those that ran a line it changes, or
        `fallback`'s when none did."""
        base: dict[str, str] = {}

        def pick(candidate: Candidate) -> list[str]:
            for path in candidate.changed_files():
                if path not in base:
                    file = workdir / path
                    base[path] = file.read_text(errors="replace") if file.is_file() else ""
            return self.tests_running(candidate, base) or fallback(candidate)

        return pick

    def functions(self, sources: dict[str, str], n: int) -> list[tuple[str, int]]:
        """The (path, line) of the most suspicious line of each of the top `n` functions."""
        seen: set[tuple[str, int]] = set()
        found: list[tuple[str, int]] = []
        for suspect in self.suspects:
            text = sources.get(suspect.path)
            symbol = code_index.function_at(text, suspect.line) if text else None
            if symbol is None or (suspect.path, symbol.start_line) in seen:
                continue
            seen.add((suspect.path, symbol.start_line))
            found.append((suspect.path, suspect.line))
            if len(found) >= n:
                break
        return found


def changed_lines(before: str, after: str) -> set[int]:
    """Lines of `before` (1-based) that `after` replaces or deletes, and the two lines around
    each insertion."""
    lines: set[int] = set()
    matcher = difflib.SequenceMatcher(None, before.splitlines(), after.splitlines(),
                                      autojunk=False)
    for tag, i1, i2, _, _ in matcher.get_opcodes():
        if tag == "equal":
            continue
        lines |= set(range(i1 + 1, i2 + 1)) if i2 > i1 else {i1, i1 + 1}
    return lines


def _culprit_lines(inp: RepairInput) -> dict[str, set[str]]:
    """Per file, the stripped text of the lines the culprit commit added."""
    added: dict[str, set[str]] = {}
    if inp.culprit is None:
        return added
    for path, (parent, commit, _) in inp.culprit.files.items():
        diff = difflib.unified_diff((parent or "").splitlines(), (commit or "").splitlines(),
                                    lineterm="", n=0)
        added[path] = {line[1:].strip() for line in diff
                       if line.startswith("+") and not line.startswith("+++")
                       and line[1:].strip()}
    return added


def rank(coverage: dict[str, Any], failing: Iterable[str], passing: Iterable[str],
         inp: RepairInput) -> Localisation:
    """The suspects from each test's traced lines and arcs (see the module's docstring)."""
    failing_set = {t for t in failing if t in coverage}
    passing_set = {t for t in passing if t in coverage}
    runs: dict[tuple[str, int], set[str]] = {}
    arcs: dict[tuple[str, int, int], set[str]] = {}
    for nodeid, spectrum in coverage.items():
        for path, lines in spectrum.get("lines", {}).items():
            if not _TEST_FILE.search(path):
                for line in lines:
                    runs.setdefault((path, int(line)), set()).add(nodeid)
        for path, pairs in spectrum.get("arcs", {}).items():
            if not _TEST_FILE.search(path):
                for a, b in pairs:
                    if int(a) > 0:
                        arcs.setdefault((path, int(a), int(b)), set()).add(nodeid)
    total = len(failing_set)

    def score(tests: set[str]) -> tuple[float, int, int]:
        ef, ep = len(tests & failing_set), len(tests & passing_set)
        return ochiai(ef, ep, total), ef, ep

    best: dict[tuple[str, int], tuple[float, int, int]] = {k: score(t) for k, t in runs.items()}
    for (path, line, _), tests in arcs.items():
        arc = score(tests)
        if arc[0] > best.get((path, line), (0.0, 0, 0))[0]:
            best[(path, line)] = arc
    added = _culprit_lines(inp)
    sources = {**inp.repo_sources, inp.path: inp.source}

    def culprit_added(path: str, line: int) -> bool:
        text = sources.get(path, "").splitlines()
        return 0 < line <= len(text) and text[line - 1].strip() in added.get(path, set())

    def in_rca_function(path: str, line: int) -> bool:
        return path == inp.path and inp.function_start <= line <= inp.function_end

    suspects = [Suspect(path, line, round(s, 4), ef, ep, culprit_added(path, line))
                for (path, line), (s, ef, ep) in best.items() if s > 0]
    suspects.sort(key=lambda s: (-s.score, not s.culprit_added,
                                 not in_rca_function(s.path, s.line),
                                 abs(s.line - inp.line) if s.path == inp.path else 10**6,
                                 s.path, s.line))
    return Localisation(suspects, runs)


def at_base(worker: WarmWorker, baseline: TestRun, reproduction: list[str],
            inp: RepairInput, timeout_s: float, notes: list[str]) -> Localisation | None:
    """Trace the tests that ran at the base (the reproduction failing, the rest passing) and
    rank; None, with a note saying why, when there is nothing to rank."""
    failing = {t.nodeid for t in baseline.tests
               if any(t.nodeid == r or t.nodeid.startswith(r + "::") for r in reproduction)}
    passing = {t.nodeid for t in baseline.tests if t.outcome == "passed"}
    if not failing:
        notes.append("localisation: no failing test to trace")
        return None
    try:
        _, coverage = worker.covered(sorted(failing | passing), timeout_s)
    except (WorkerError, OSError, ValueError) as exc:
        notes.append(f"localisation: tracing the tests failed ({exc})")
        return None
    if not coverage:
        notes.append("localisation: not available ("
                     f"{worker.last_why or 'the worker traced no test'})")
        return None
    found = rank(coverage, failing, passing, inp)
    if found.suspects:
        notes.append("localisation: the most suspicious lines: "
                     + "; ".join(found.evidence(3)))
    return found
