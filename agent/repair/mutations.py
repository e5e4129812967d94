"""Test-guided mutation search over the faulty function.

The edits come from slips.py (operators, off-by-one, conditions, constants, returns, names,
statements) and expressions.py (builtins, call arguments, slices, guards); multisite.py
adds, for an edit found at several sites,
the edit made at all of them. Mutants are ranked by the size of the change, then by the
suspicion of their line (localise.py), by family (the likeliest slips first, per statement
kind) and by distance from the crashing line; pairs come only when single ones fail and
budget remains.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import (
    CodeRange,
    ExpressionContextProvider,
    MetadataWrapper,
    ParentNodeProvider,
)

from agent.repair.base import (
    Decline,
    RepairInput,
    change_size,
    function_node,
    make_candidate,
    replace_many,
    unified_diff,
)
from agent.repair.classify import classify
from agent.repair.expressions import ExpressionSites, compatible_names, sort_variables
from agent.repair.multisite import with_repeats
from agent.repair.slips import Mutation, Slips, copies, names_in_scope
from agent.state import Candidate

STRATEGY = "mutation"


def _overlap(a: Mutation, b: Mutation, where: dict[cst.CSTNode, CodeRange]) -> bool:
    for x, _ in a.changes:
        for y, _ in b.changes:
            rx, ry = where.get(x), where.get(y)
            if rx is None or ry is None:
                return True
            if not ((rx.end.line, rx.end.column) <= (ry.start.line, ry.start.column)
                    or (ry.end.line, ry.end.column) <= (rx.start.line, rx.start.column)):
                return True
    return False


def candidate_of(inp: RepairInput, module: cst.Module, *chosen: Mutation) -> Candidate | None:
    """The candidate making the `chosen` mutations together; None when libcst cannot place
    one (a removal in a one-line block), the result is not valid code, or a mutation made at
    several sites would be labelled a fix where its single edit would not be."""
    try:
        new_source = replace_many(module, [c for m in chosen for c in m.changes])
    except Exception:
        return None
    families = "+".join(m.family for m in chosen)
    description = "; ".join(m.description for m in chosen)
    result = make_candidate(inp, f"{STRATEGY}:{families}", f"Mutation: {description}",
                            new_source)
    if not isinstance(result, Candidate):
        return None
    if any(m.single for m in chosen) and classify(result.strategy, result.diff).fix_class == "fix":
        try:  # the single edit's diff is enough: it was valid code as a candidate of its own
            alone = replace_many(module, [c for m in chosen for c in m.first().changes])
        except Exception:
            return None
        if classify(result.strategy, unified_diff(inp.path, inp.source, alone)).fix_class \
                != "fix":
            return None
    return result


@dataclass
class MutationSearch:
    """Single mutants first, then pairs seeded by the singles the tests liked best."""

    inp: RepairInput
    budget: int
    suspicion: Mapping[int, float] = field(default_factory=dict)  # line → localisation score
    # the search's wall budget: building a mutant of a large module costs tens of ms
    out_of_time: Callable[[], bool] = lambda: False

    def __post_init__(self) -> None:
        wrapper = MetadataWrapper(cst.parse_module(self.inp.source), unsafe_skip_copy=True)
        self.module = wrapper.module
        self.where = dict(wrapper.resolve(cst.metadata.PositionProvider))
        self.contexts = dict(wrapper.resolve(ExpressionContextProvider))
        self.parents = dict(wrapper.resolve(ParentNodeProvider))
        found = self._mutations()
        self.singles: list[Mutation] = found if isinstance(found, list) else []
        self.decline = found if isinstance(found, Decline) else None
        self.by_candidate: dict[str, tuple[Mutation, ...]] = {}

    def _mutations(self) -> list[Mutation] | Decline:
        function = function_node(self.where, self.inp)
        if function is None:
            return Decline(STRATEGY, f"no function definition around line {self.inp.line}")
        names = names_in_scope(function, self.where)
        visitor = Slips(self.module, self.where, self.contexts, names, self.parents)
        function.body.visit(visitor)
        extra = ExpressionSites(self.module, visitor.add, names,
                                [self.inp.source, *self.inp.repo_sources.values()])
        function.body.visit(extra)
        found = sort_variables(visitor.found + list(copies(visitor, function)), self.parents,
                               compatible_names(function, self.parents))
        # The most suspicious lines first (bucketed: near-ties keep the family order).
        ranked = sorted(found, key=lambda m: (-round(self.suspicion.get(m.line, 0.0), 1),
                                              *m.key(self.inp.line)))
        return with_repeats(ranked, self.where)

    def _build(self, combos: Iterator[tuple[Mutation, ...]], limit: int) -> list[Candidate]:
        out: list[Candidate] = []
        seen: set[str] = set()
        for combo in combos:
            if len(out) >= limit or self.out_of_time():
                break
            candidate = self._candidate(combo)
            if candidate is not None and candidate.new_source not in seen:
                seen.add(candidate.new_source)
                self.by_candidate[candidate.id] = combo
                out.append(candidate)
        return sorted(out, key=lambda c: change_size(c.diff))

    def _candidate(self, combo: tuple[Mutation, ...]) -> Candidate | None:
        return candidate_of(self.inp, self.module, *combo)

    def singles_candidates(self) -> list[Candidate] | Decline:
        if self.decline is not None:
            return self.decline
        if not self.singles:
            return Decline(STRATEGY, f"nothing to mutate in {self.inp.function}")
        built = self._build(((m,) for m in self.singles), self.budget)
        return built or Decline(STRATEGY, f"no mutation of {self.inp.function} is valid code")

    def pair_candidates(self, seeds: list[str], limit: int) -> list[Candidate]:
        """Pairs of mutations: each seed (a single that moved the tests) with every other
        single, then pairs of the best-ranked singles, within `limit`."""
        seed_mutations = [self.by_candidate[s][0] for s in seeds if s in self.by_candidate]
        tops = self.singles[: max(8, int((2 * limit) ** 0.5) + 1)]

        def combos() -> Iterator[tuple[Mutation, ...]]:
            for seed in seed_mutations:
                for other in self.singles:
                    if other is not seed and not _overlap(seed, other, self.where):
                        yield (seed, other)
            for a, b in itertools.combinations(tops, 2):
                if not _overlap(a, b, self.where):
                    yield (a, b)

        return self._build(combos(), limit)
