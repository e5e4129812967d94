"""Choosing among candidates: the reproduction first, a candidate that breaks a passing test
is rejected, the smallest passing change wins, ties go to the template and then to the more
natural change, and the engine never raises."""

from __future__ import annotations

from agent.repair import naturalness as ranking_rules
from agent.repair import search
from agent.repair.base import CulpritChange, Decline, RepairInput
from agent.repair.naturalness import naturalness, removed_by_culprit, trigrams
from agent.repair.search import propose_candidates
from agent.repair.validation import Validator
from agent.state import Candidate
from tests.repair.helpers import InProcessRunner, make_input, search_with

COUPON = '''
    def discount(coupon, total):
        if total < coupon["min_total"]:
            return total
        return total * 0.9


    def label(coupon):
        return coupon.get("name", "")
'''


def coupon_input() -> RepairInput:
    return make_input(COUPON, "discount", "KeyError", "'min_total'",
                      line_containing="min_total")


def expect(condition: bool) -> None:
    assert condition


CHECKS = {
    "reproduction": lambda m: m.discount({}, 100),
    "minimum": lambda m: expect(m.discount({"min_total": 200}, 100) == 100),
    "applies": lambda m: expect(m.discount({"min_total": 0}, 100) == 90.0),
    "no_minimum_means_discount": lambda m: expect(m.discount({}, 100) == 90.0),
}


def test_a_default_that_would_invent_data_is_not_proposed() -> None:
    # `coupon.get("min_total", 0)` passes these tests, but 0 is a made-up amount: the engine
    # says so instead of proposing it, and what remains (None: no value) is a mitigation.
    inp = coupon_input()
    proposals, notes = propose_candidates(inp, 40)
    assert any("do not apply to KeyError" in n for n in notes)
    assert any("invent data" in n and "0" in n for n in notes)
    assert not any('get("min_total", 0)' in c.new_source for c in proposals)
    assert all(c.fix_class == "mitigation" and c.masks for c in proposals
               if c.strategy == "template:key-get")
    result, runner = search_with(inp, CHECKS, ["reproduction", "no_minimum_means_discount"],
                                 proposals)
    assert result.chosen is None or result.chosen.fix_class == "mitigation"
    rejected = [v for v in result.validations if not v.accepted]
    assert rejected and all(v.detail for v in rejected)  # every rejection says why
    assert runner.calls < 3 * len(result.validations) + 2  # quick checks, suite for few


def test_a_candidate_breaking_a_previously_passing_test_is_rejected() -> None:
    inp = coupon_input()
    breaking = inp.source.replace('if total < coupon["min_total"]:\n        return total\n',
                                  "")
    candidate = Candidate(id="x", strategy="template:test", description="drops the minimum",
                          path=inp.path, new_source=breaking, diff="-a\n-b\n", lines_changed=2)
    validator = Validator(
        InProcessRunner(inp.path, inp.source, CHECKS),
        {"minimum": "passed", "applies": "passed", "reproduction": "failed"},
        ["reproduction"], 10.0, lambda c: ["minimum", "applies"])
    validation = validator.quick(candidate)
    assert not validation.accepted and validation.stage == "module"
    assert "breaks previously passing tests: minimum" in validation.detail


def test_ties_go_to_templates_then_to_what_the_culprit_removed() -> None:
    parent = 'def region():\n    return "eu-west"\n'
    after = 'import os\n\n\ndef region():\n    return os.environ["REGION"]\n'
    inp = make_input(after, "region", "KeyError", "'REGION'",
                     culprit=CulpritChange("c" * 40, "configurable",
                                           {"pkg/mod.py": (parent, after, after)}))
    assert '"eu-west"' in removed_by_culprit(inp)
    proposals, _ = propose_candidates(inp, 40)
    assert proposals[0].new_source.count('os.environ.get("REGION", "eu-west")') == 1
    assert ranking_rules.preference(proposals[0]) == ranking_rules.PREFERENCE.index("template:")


def test_naturalness_counts_patterns_the_repository_uses() -> None:
    corpus = trigrams(['value = config.get("retries", 0)\n'])
    common = Candidate(id="a", strategy="template:x", description="", path="m.py",
                       new_source="", diff='+    n = config.get("retries", 0)\n',
                       lines_changed=1)
    odd = common.model_copy(update={"diff": "+    n = (config or {}).pop('retries')\n"})
    assert naturalness(common, corpus) > naturalness(odd, corpus)


def test_a_broken_strategy_is_a_note_not_an_exception(monkeypatch: object) -> None:
    def broken(inp: RepairInput) -> list[Candidate] | Decline:
        raise RuntimeError("boom")

    original = search.STRATEGIES
    search.STRATEGIES = (("template:broken", broken), *original)
    try:
        proposals, notes = propose_candidates(coupon_input(), 40)
    finally:
        search.STRATEGIES = original
    assert proposals and any("template:broken: failed (RuntimeError: boom)" in n for n in notes)


def test_candidates_that_differ_only_in_layout_are_validated_once() -> None:
    inp = coupon_input()
    fixed = inp.source.replace('coupon["min_total"]', 'coupon.get("min_total", 0)')
    spaced = fixed.replace("return total * 0.9", "return (total * 0.9)  # ten percent off")
    same = [Candidate(id=name, strategy="template:test", description="", path=inp.path,
                      new_source=text, diff="-a\n+b\n", lines_changed=1)
            for name, text in (("a", fixed), ("b", spaced))]
    assert search.shape(same[0]) == search.shape(same[1])
    result, _ = search_with(inp, CHECKS, ["reproduction"], proposals=same)
    assert [c.id for c in result.candidates] == ["a"]


def test_the_search_stops_a_short_budget_after_the_first_passing_fix() -> None:
    inp = coupon_input()
    fixed = inp.source.replace('coupon["min_total"]', 'coupon.get("min_total", 0)')
    others = [inp.source + f"\nUNUSED_{i} = {i}\n" for i in range(60)]
    proposals = [Candidate(id=f"c{i}", strategy="template:test", description="",
                           path=inp.path, new_source=text, diff="-a\n+b\n", lines_changed=1)
                 for i, text in enumerate([fixed, *others])]
    result, _ = search_with(inp, CHECKS, ["reproduction"], proposals=proposals)
    assert result.chosen is not None and result.chosen.id == "c0"
    assert len(result.candidates) == search.BATCH + search.EXTRA_CANDIDATES
    assert any("after the first passing fix; 29 not tried" in n for n in result.notes)


def test_the_short_extra_budget_is_a_setting() -> None:
    inp = coupon_input()
    fixed = inp.source.replace('coupon["min_total"]', 'coupon.get("min_total", 0)')
    others = [inp.source + f"\nUNUSED_{i} = {i}\n" for i in range(60)]
    proposals = [Candidate(id=f"c{i}", strategy="template:test", description="",
                           path=inp.path, new_source=text, diff="-a\n+b\n", lines_changed=1)
                 for i, text in enumerate([fixed, *others])]
    result, _ = search_with(inp, CHECKS, ["reproduction"], proposals=proposals,
                            extra_candidates=0)
    assert result.chosen is not None and result.chosen.id == "c0"
    assert len(result.candidates) == search.BATCH


SLOW_TO_FIX = '''
    def fee(amount, rate, floor, cap):
        charged = amount * rate
        if charged < floor:
            charged = floor
        if charged > cap:
            charged = cap
        return charged + 1
'''
FEE_CHECKS = {"fee": lambda m: expect(m.fee(100, 0.5, 0, 80) == 48)}  # no single edit fixes it


def test_the_mutation_budget_bounds_the_mutants_validated() -> None:
    inp = make_input(SLOW_TO_FIX, "fee", "", "")
    result, _ = search_with(inp, FEE_CHECKS, ["fee"], mutation_budget=20)
    mutants = [c for c in result.candidates if c.strategy.startswith("mutation:")]
    assert 0 < len(mutants) <= 20
    unbounded, _ = search_with(inp, FEE_CHECKS, ["fee"], mutation_budget=60)
    assert len([c for c in unbounded.candidates if c.strategy.startswith("mutation:")]) > 20


def test_the_wall_budget_stops_the_search() -> None:
    inp = make_input(SLOW_TO_FIX, "fee", "", "")
    result, _ = search_with(inp, FEE_CHECKS, ["fee"], seconds=0.0)
    assert not [c for c in result.candidates if c.strategy.startswith("mutation:")]
    assert any("budget is spent" in n or "out of time" in n for n in result.notes)
