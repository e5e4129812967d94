"""Proposing candidates and choosing one.

Proposals come in tiers, tried in order, each only when no earlier tier produced a fix:
templates and the partial revert (targeted, few); single mutations; pairs of mutations; the
full revert of the culprit (last resort). Mutations target RCA's function, its caller, then
the functions of the most suspicious lines (localise.py), the most suspicious statements
first. A candidate must pass the reproduction first, then the tests that ran a line it changes
(or, without localisation, the tests of its module), then (for the best few) the whole suite;
breaking a test that passed at the base rejects it. Candidates equal by syntax tree are tried
once. A tier stops `extra_candidates` (a setting) after the first `fix` that passes the
quick checks. Among survivors the smallest change wins, ties going to the most natural one (the
most like code already in the repository). The winner is finally confirmed by the repository's
own test command on disk, in the sandbox.
"""

from __future__ import annotations

import ast
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from agent.repair import revert
from agent.repair.base import Decline, Proposal, RepairInput
from agent.repair.classify import label
from agent.repair.localise import Localisation
from agent.repair.mutations import MutationSearch
from agent.repair.naturalness import naturalness, ranking, removed_by_culprit, trigrams
from agent.repair.templates import (
    aware_naive,
    blank_string,
    bounds_check,
    complete_rename,
    date_format,
    empty_collection,
    iterate_copy,
    json_default,
    key_fallback,
    key_get,
    missed_call_site,
    nearest_name,
    none_guard,
    numeric_string,
    recursion_base,
    restore_contract,
    type_conversion,
)
from agent.repair.validation import Confirm, Validator
from agent.state import Candidate, Validation
from tools import code_index

Strategy = Callable[[RepairInput], Proposal]

# In order of preference: what follows the culprit's own change first, then the most
# specific fix.
TEMPLATES: tuple[tuple[str, Strategy], ...] = (
    (complete_rename.STRATEGY, complete_rename.propose),
    (restore_contract.STRATEGY, restore_contract.propose),
    (missed_call_site.STRATEGY, missed_call_site.propose),
    (key_fallback.STRATEGY, key_fallback.propose),
    (key_get.STRATEGY, key_get.propose),
    (none_guard.STRATEGY, none_guard.propose),
    (bounds_check.STRATEGY, bounds_check.propose),
    (empty_collection.STRATEGY, empty_collection.propose),
    (type_conversion.STRATEGY, type_conversion.propose),
    (blank_string.STRATEGY, blank_string.propose),
    (numeric_string.STRATEGY, numeric_string.propose),
    (json_default.STRATEGY, json_default.propose),
    (date_format.STRATEGY, date_format.propose),
    (aware_naive.STRATEGY, aware_naive.propose),
    (iterate_copy.STRATEGY, iterate_copy.propose),
    (nearest_name.STRATEGY, nearest_name.propose),
    (recursion_base.STRATEGY, recursion_base.propose),
)
STRATEGIES: tuple[tuple[str, Strategy], ...] = (
    *TEMPLATES, (revert.PARTIAL, revert.propose_partial),
    (revert.RESTORE, revert.propose_restore))

MUTATION_BUDGET = 400  # mutants validated at most, singles and pairs together
SEARCH_SECONDS = 90.0  # wall-clock budget of one search, on top of the baseline run
SUITE_SURVIVORS = 3  # candidates per tier that get the whole suite
BATCH = 8  # candidates validated together (the warm worker runs them in parallel)
EXTRA_CANDIDATES = 24  # tried after the first passing fix, for a smaller or more natural one
LOCALISED_FUNCTIONS = 3  # functions of the top suspicious lines, mutated after RCA's


def shape(candidate: Candidate) -> str:
    """What a candidate changes, by normalised syntax tree: two candidates that differ only in
    layout, comments or parentheses are one."""
    parts = []
    for path, text in sorted(candidate.changed_files().items()):
        try:
            parts.append(f"{path}\0{ast.dump(ast.parse(text))}")
        except (SyntaxError, ValueError):
            parts.append(f"{path}\0{text}")
    return "\n".join(parts)


def _safely(name: str, strategy: Strategy, inp: RepairInput) -> Proposal:
    try:
        return strategy(inp)
    except Exception as exc:  # the engine never raises: a broken strategy is a note
        return Decline(name, f"failed ({type(exc).__name__}: {exc})")


def propose_candidates(inp: RepairInput, budget: int) -> tuple[list[Candidate], list[str]]:
    """Template and partial-revert candidates for the crash function, then for the functions
    above it on the stack; deduplicated, ranked by size then naturalness; plus why strategies
    declined."""
    corpus = trigrams(inp.repo_sources.values() or [inp.source])
    restored = removed_by_culprit(inp)
    found: list[tuple[int, Candidate]] = []
    notes: list[str] = []
    targets = [inp, *(c.with_scope_of(inp) for c in inp.callers)]
    for depth, target in enumerate(targets):
        for rank, (name, strategy) in enumerate(STRATEGIES):
            result = _safely(name, strategy, target)
            if isinstance(result, Decline):
                if depth == 0:
                    notes.append(str(result))
                continue
            kept, invented = label(result, restored)
            notes += invented if depth == 0 else []
            for candidate in kept:
                candidate.naturalness = naturalness(candidate, corpus, restored)
                found.append((depth * 100 + rank, candidate))
    inapplicable = [n.split(":", 2)[1] for n in notes if ": applies to " in n]
    notes = [n for n in notes if ": applies to " not in n]
    if inapplicable:
        notes.append(f"templates that do not apply to {inp.exception_type or 'this failure'}: "
                     + ", ".join(inapplicable))
    seen: set[str] = set()
    ranked = []
    for _, candidate in sorted(found, key=lambda item: (item[0] // 100, *ranking(item[1]),
                                                        item[0])):
        key = shape(candidate)
        if key not in seen:
            seen.add(key)
            ranked.append(candidate)
    return ranked[:budget], notes


@dataclass
class SearchResult:
    chosen: Candidate | None = None
    candidates: list[Candidate] = field(default_factory=list)  # every one tried, in order
    validations: list[Validation] = field(default_factory=list)  # one per candidate tried
    notes: list[str] = field(default_factory=list)


@dataclass
class Search:
    """Tier by tier, until a candidate passes the whole suite and the confirmation run."""

    validator: Validator
    confirm: Confirm
    mutation_budget: int = MUTATION_BUDGET
    seconds: float = SEARCH_SECONDS
    extra_candidates: int = EXTRA_CANDIDATES
    result: SearchResult = field(default_factory=SearchResult)
    localisation: Localisation | None = None  # suspicious lines, from the traced tests

    def __post_init__(self) -> None:
        self.deadline = time.monotonic() + self.seconds
        self.tried: set[str] = set()

    def out_of_time(self) -> bool:
        return time.monotonic() > self.deadline

    def _tier(self, name: str, candidates: list[Candidate], *,
              deadline: bool = True) -> tuple[Candidate | None, list[Candidate]]:
        """Quick checks in order until a `fix` passes them and `extra_candidates` more have been
        tried (for a smaller or more natural one), then the whole suite for the best few
        survivors; when none is accepted, on with the rest. Returns the chosen candidate and
        the seeds for pairs: those that passed the reproduction but failed later, and those
        that made some of the reproduction's tests pass."""
        seeds: list[Candidate] = []
        records: dict[str, int] = {}
        fresh: dict[str, Candidate] = {}
        for candidate in candidates:
            key = shape(candidate)
            if key not in self.tried:  # else a mutant equal to a template's candidate, say
                fresh.setdefault(key, candidate)
        keys = list(fresh)
        start = 0
        while start < len(keys):
            survivors: list[tuple[Candidate, Validation]] = []
            first_fix: int | None = None
            while start < len(keys):
                if deadline and self.out_of_time():
                    self.result.notes.append(f"{name}: out of time after "
                                             f"{len(self.result.validations)} candidate(s)")
                    start = len(keys)
                    break
                if first_fix is not None and start - first_fix >= self.extra_candidates:
                    break
                self.tried.update(keys[start:start + BATCH])
                batch = [fresh[key] for key in keys[start:start + BATCH]]
                start += len(batch)
                for candidate, validation in zip(batch, self.validator.quick_many(batch),
                                                 strict=True):
                    records[candidate.id] = len(self.result.validations)
                    self.result.candidates.append(candidate)
                    self.result.validations.append(validation)
                    if validation.detail.startswith("passed"):
                        survivors.append((candidate, validation))
                        if first_fix is None and candidate.fix_class == "fix":
                            first_fix = start
                    elif validation.regression_passed or self._moved(validation):
                        seeds.append(candidate)
            chosen = self._suites(survivors, records, seeds, deadline)
            if chosen is not None:
                if start < len(keys):
                    self.result.notes.append(
                        f"{name}: stopped {self.extra_candidates} candidate(s) after the first "
                        f"passing fix; {len(keys) - start} not tried")
                return chosen, seeds
        return None, seeds

    def _moved(self, validation: Validation) -> bool:
        """Made some, not all, of the reproduction's failing tests pass."""
        repro = self.validator.reproduction
        failed = [t for t in validation.failed_tests if t in repro]
        return validation.stage == "reproduction" and 0 < len(failed) < len(repro)

    def _suites(self, survivors: list[tuple[Candidate, Validation]], records: dict[str, int],
                seeds: list[Candidate], deadline: bool) -> Candidate | None:
        """The whole suite (and the confirmation) for the best survivors, in ranking order."""
        survivors.sort(key=lambda item: ranking(item[0]))
        tested = 0
        for candidate, quick in survivors:
            if tested >= SUITE_SURVIVORS and deadline and self.out_of_time():
                break  # the best few always get the suite; the rest while time remains
            tested += 1
            validation = self.validator.suite(candidate, quick)
            if validation.suite_passed:
                validation = self.confirm(candidate, validation)
            self.result.validations[records[candidate.id]] = validation
            if validation.accepted:
                for other, other_quick in survivors[tested:]:
                    self.result.validations[records[other.id]] = other_quick.model_copy(
                        update={"detail": "passed the quick checks; not chosen: "
                                          f"{candidate.id} is smaller or more natural"})
                return candidate
            seeds.append(candidate)
        for candidate, quick in survivors[tested:]:
            self.result.validations[records[candidate.id]] = quick.model_copy(update={
                "detail": "passed the quick checks; the whole suite was not run for it (out "
                          "of time)"})
        return None

    # -- the hook where other strategies' candidates (the model's: agent/repair/llm.py) join
    def try_candidates(self, name: str, candidates: list[Candidate]) -> Candidate | None:
        """Validate candidates proposed after the search, as a tier of their own (recorded in
        the result like every other); the accepted one, if any. Not bound by the search's
        deadline: the caller bounds its own rounds."""
        return self._tier(name, candidates, deadline=False)[0]
    # -- end of the hook

    def run(self, inp: RepairInput, proposals: list[Candidate]) -> SearchResult:
        self.corpus = trigrams(inp.repo_sources.values() or [inp.source])
        self.restored = removed_by_culprit(inp)
        first = [c for c in proposals if not c.full_revert]
        chosen, _ = self._tier("templates and partial revert", first)
        # A passing mitigation is kept only until a fix passes: the search goes on for one.
        fallback = chosen if chosen is not None and chosen.fix_class == "mitigation" else None
        if chosen is None or fallback:
            chosen = self._mutate(inp, off_stack=fallback is None) or fallback
        if chosen is None or chosen.fix_class == "mitigation":
            full = revert.propose_full(inp)  # tried even when the budget is spent
            if isinstance(full, Decline):
                self.result.notes.append(str(full))
            else:
                chosen = self._tier("full revert", full, deadline=False)[0] or chosen
        if chosen is not None and chosen.fix_class == "mitigation":
            self.result.notes.append(f"no fix passed; the best candidate, {chosen.id}, is a "
                                     f"mitigation: {chosen.masks}")
        self.result.chosen = chosen
        return self.result

    def _score(self, candidates: list[Candidate]) -> list[Candidate]:
        candidates, invented = label(candidates, self.restored)
        self.result.notes += invented[:3]
        for candidate in candidates:
            candidate.naturalness = naturalness(candidate, self.corpus, self.restored)
        return candidates

    def _targets(self, inp: RepairInput, off_stack: bool) -> list[RepairInput]:
        """The functions to mutate: RCA's, its first caller's, then the functions of the most
        suspicious lines that are neither: those on the stack, and (with `off_stack`, when
        nothing has passed yet) others, which the guardrails refuse unless the repository's
        policy allows changes outside the functions the root cause names."""
        targets = [inp, *(c.with_scope_of(inp) for c in inp.callers[:1])]
        if self.localisation is None:
            return targets
        sources = {**inp.repo_sources, inp.path: inp.source}
        stack = {(inp.path, inp.function), *((c.path, c.function) for c in inp.callers)}
        for path, line in self.localisation.functions(sources, LOCALISED_FUNCTIONS):
            if any(t.path == path and t.function_start <= line <= t.function_end
                   for t in targets):
                continue
            symbol = code_index.function_at(sources[path], line)
            if symbol is not None and (off_stack or (path, symbol.qualname) in stack):
                targets.append(RepairInput(
                    path=path, source=sources[path], function=symbol.qualname,
                    function_start=symbol.start_line, function_end=symbol.end_line, line=line,
                    exception_type=inp.exception_type, exception_message=inp.exception_message,
                    culprit=inp.culprit, repo_sources=inp.repo_sources))
        return targets

    def _mutate(self, inp: RepairInput, off_stack: bool = True) -> Candidate | None:
        if not self.validator.reproduction:
            self.result.notes.append("mutation: skipped, no test reproduces the failure to "
                                     "guide it")
            return None
        budget = self.mutation_budget
        for target in self._targets(inp, off_stack):
            if budget <= 0 or self.out_of_time():
                self.result.notes.append(f"mutation: {target.function} not mutated, the "
                                         "candidate or time budget is spent")
                break
            suspicion = self.localisation.scores(target.path) if self.localisation else {}
            search = MutationSearch(target, budget, suspicion, self.out_of_time)
            singles = search.singles_candidates()
            if isinstance(singles, Decline):
                self.result.notes.append(str(singles))
                continue
            self._score(singles)
            chosen, seeds = self._tier(f"mutations of {target.function}", singles)
            budget -= len(singles)
            if chosen is not None:
                return chosen
            if budget <= 0 or self.out_of_time():
                break
            pairs = self._score(search.pair_candidates([s.id for s in seeds], min(budget, 150)))
            chosen, _ = self._tier(f"mutation pairs in {target.function}", pairs)
            budget -= len(pairs)
            if chosen is not None:
                return chosen
            if budget <= 0 or self.out_of_time():
                break
        return None
