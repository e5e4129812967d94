"""How sure alertfix is of the patch it chose, and why, in words a reviewer can check.

Three things decide it: what kind of patch it is (a fix that follows the culprit's own change,
another fix, a full revert, or a mitigation), the evidence for the root cause (a reproduction
that fails at the culprit and passes at its parent, or only ranking evidence), and how strong
the oracle is (a regression test that checks the value, one that only checks nothing raises,
or none at all). The repository's policy turns the score into what happens: below
`min_confidence` no PR (the ticket gets the analysis and the patch), below `high_confidence`
a draft PR, above it a PR. A mitigation is never more than a draft.
"""

from __future__ import annotations

from agent.repair.classify import FOLLOWS_CULPRIT
from agent.state import Candidate, Confidence, RegressionTest, RootCause, Validation
from guardrails.policy import Policy


def _kind(chosen: Candidate) -> tuple[float, str]:
    if chosen.fix_class == "mitigation":
        return 0.15, f"a mitigation, not a fix: {chosen.masks}"
    if chosen.full_revert:
        return 0.3, "a full revert of the culprit: it also takes away what else it shipped"
    if chosen.strategy.startswith(FOLLOWS_CULPRIT):
        # (a partial revert is not one: it takes back part of what the culprit meant to ship)
        return 0.6, f"a fix that follows the culprit's own change ({chosen.strategy})"
    if chosen.strategy.startswith("llm:"):
        return 0.35, ("a fix written by a language model and proven by the tests: plausible, "
                      "check the intent")
    if chosen.strategy.startswith("mutation"):
        return 0.35, "a fix found by search over small edits: plausible, check the intent"
    return 0.45, f"a fix of a known kind ({chosen.strategy})"


def _evidence(rc: RootCause) -> tuple[float, str]:
    if rc.confirmed:
        top = rc.suspects[0].sha[:10] if rc.suspects else "the culprit"
        return 0.15, f"root cause confirmed: the failure reproduces at {top}, not at its parent"
    if rc.no_culprit_in_history or not rc.suspects:
        return 0.0, "no culprit commit in the history alertfix can see"
    return 0.05, f"root cause ranked, not confirmed: {rc.suspects[0].sha[:10]} " \
                 f"({', '.join(rc.suspects[0].kinds) or 'weak evidence'})"


def _oracle(regression: RegressionTest | None, validation: Validation) -> tuple[float, str]:
    if regression is not None and regression.reproduces:
        if regression.oracle_strength == "differential value":
            return 0.25, ("the regression test fails before and passes after, and asserts "
                          f"the value the code returned at {regression.expected_from[:10]}, "
                          "before the culprit")
        return 0.15, "the regression test fails before and passes after (it checks the " \
                     "error is gone, not the value)"
    if validation.reproduction:
        return 0.2, "the repository's own failing tests pass with the patch"
    return -0.1, "no test reproduces the failure: the patch rests on the existing suite"


def assess(chosen: Candidate, rc: RootCause, regression: RegressionTest | None,
           validation: Validation, policy: Policy) -> Confidence:
    parts = [_kind(chosen), _evidence(rc), _oracle(regression, validation)]
    score = round(max(0.0, min(1.0, sum(p for p, _ in parts))), 2)
    if score < policy.min_confidence:
        band = "below"
    elif score < policy.high_confidence or chosen.fix_class == "mitigation":
        band = "draft"
    else:
        band = "high"
    return Confidence(score=score, band=band, reasons=[reason for _, reason in parts])
