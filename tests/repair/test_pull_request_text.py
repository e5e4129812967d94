"""The PR body's Fix/Tests/Evidence sections: every candidate tried with why it was rejected,
the reproduction named, and a full revert labelled as the last resort it is."""

from __future__ import annotations

from agent.nodes.base import text
from agent.repair.confidence import assess
from agent.state import (
    Candidate,
    Environment,
    Location,
    RegressionTest,
    RootCause,
    Suspect,
    Validation,
)
from guardrails.policy import Policy
from tools.ports import Alert, Ticket, TicketStatus


def render(candidate: Candidate, validations: list[Validation], candidates: list[Candidate],
           regression: object = None, suspicious: list[str] | None = None) -> str:
    alert = Alert(source="ci", exception_type="AssertionError", exception_message="boom",
                  fingerprint="fp")
    rc = RootCause(base_sha="b" * 40, location=Location(
        path="shop/fees.py", function="fee", line=3, function_start=1, function_end=4))
    chosen = next(v for v in validations if v.candidate_id == candidate.id)
    confidence = assess(candidate, rc, None, chosen, Policy())
    return text("pull_request.md.j2", ticket=Ticket(key="AF-7", title="t",
                                                    status=TicketStatus.OPEN, fingerprint="fp"),
                alert=alert, rc=rc, candidate=candidate, regression=regression,
                validation=chosen, tried=len(validations), validations=validations,
                candidates=candidates, notes=["mutation: pairs skipped"], incident_id="inc-1",
                suspicious=suspicious or [],
                root_cause_text="the culprit", confidence=confidence, environment=Environment(
                    python="/envs/x/bin/python", python_version="3.11.7",
                    sources=["requirements.txt"], test_command_from="pytest.ini",
                    runner="one test process per candidate: the worker did not start"))


def candidate(number: int, **extra: object) -> Candidate:
    fields: dict[str, object] = {
        "id": f"mutation:comparison#{number:08x}", "strategy": "mutation:comparison",
        "description": f"Mutation number {number}", "path": "shop/fees.py",
        "new_source": "x = 1\n", "diff": "-a\n+b\n", "lines_changed": 2, **extra}
    return Candidate.model_validate(fields)


def test_every_candidate_and_its_rejection_is_listed_and_the_ci_reproduction_named() -> None:
    tried = [candidate(n) for n in range(3)]
    reproduction = ["tests/test_fees.py::test_free_at_threshold"]
    validations = [
        Validation(candidate_id=tried[0].id, regression_passed=False, suite_passed=False,
                   detail="the reproduction still fails: tests/test_fees.py::t",
                   reproduction=reproduction),
        Validation(candidate_id=tried[1].id, regression_passed=True, suite_passed=False,
                   detail="breaks previously passing tests: tests/test_fees.py::u",
                   reproduction=reproduction),
        Validation(candidate_id=tried[2].id, regression_passed=True, suite_passed=True,
                   detail="passed the reproduction and the whole suite", stage="confirm",
                   reproduction=reproduction)]
    top = "shop/fees.py:3 (Ochiai 1.00: run by 1 failing and 0 passing test(s))"
    body = render(tried[2], validations, tried, suspicious=[top])
    assert f"the most suspicious lines were\n  - `{top}`" in body
    assert "the reproduction still fails" in body and "breaks previously passing" in body
    assert "**chosen**" in body and "Mutation number 0" in body
    assert "dependencies from requirements.txt" in body and "the worker did not start" in body
    assert "`tests/test_fees.py::test_free_at_threshold`, failing at the base" in body
    assert "Last resort" not in body


def test_a_full_revert_is_labelled_and_long_searches_are_summarised() -> None:
    full = candidate(99, full_revert=True, strategy="revert:full",
                     extra_files={"shop/other.py": "y = 2\n"})
    tried = [candidate(n) for n in range(45)] + [full]
    validations = [Validation(candidate_id=c.id, regression_passed=False, suite_passed=False,
                              detail="the reproduction still fails", stage="reproduction")
                   for c in tried[:-1]]
    validations.append(Validation(candidate_id=full.id, regression_passed=True,
                                  suite_passed=True, detail="passed", stage="confirm"))
    body = render(full, validations, tried)
    assert "suspicious lines" not in body  # no localisation, no section
    assert "**Last resort: this PR reverts the whole culprit commit.**" in body
    assert "2 files" in body
    assert "and 6 more candidates" in body and "at the reproduction check" in body


def test_a_mitigation_says_what_it_hides_costs_and_leaves_to_a_human() -> None:
    mitigation = candidate(5, strategy="template:none-guard", fix_class="mitigation",
                           masks="a None value is skipped or replaced instead of raising")
    validation = Validation(candidate_id=mitigation.id, regression_passed=True,
                            suite_passed=True, detail="passed",
                            reproduction=["tests/test_fees.py::t"])
    body = render(mitigation, [validation], [mitigation])
    assert "**Mitigation, not a fix.**" in body and "It hides: a None value is skipped" in body
    assert "What it costs" in body and "What a human must decide" in body
    assert "## Confidence:" in body and "a mitigation, not a fix" in body


def _rc(confirmed: bool) -> RootCause:
    return RootCause(base_sha="b" * 40, confirmed=confirmed, suspects=[Suspect(
        sha="c" * 40, summary="rename user", author="a", date="d", score=3.0,
        kinds=["renames-name-in-error"])])


def test_confidence_bands_follow_kind_evidence_and_oracle() -> None:
    passed = Validation(candidate_id="x", regression_passed=True, suite_passed=True)
    regression = RegressionTest(path="tests/t.py", source="", nodeid="t", description="d",
                                reproduces=True)
    follows = candidate(1, strategy="template:complete-rename")
    high = assess(follows, _rc(True), regression, passed, Policy())
    assert high.band == "high" and any("confirmed" in r for r in high.reasons)
    valued = regression.model_copy(update={"oracle_strength": "differential value",
                                           "expected_from": "p" * 40})
    stronger = assess(candidate(4, strategy="template:type-conversion"), _rc(False), valued,
                      passed, Policy())
    assert any("asserts the value the code returned at pppppppppp" in r
               for r in stronger.reasons)
    mitigation = candidate(2, strategy="template:none-guard", fix_class="mitigation",
                           masks="hides None")
    # By default a mitigation is a patch on the ticket, not a PR; a repository that wants
    # mitigation drafts lowers min_confidence, and even then it is never more than a draft.
    assert assess(mitigation, _rc(True), regression, passed, Policy()).band == "below"
    lenient = Policy(min_confidence=0.3)
    assert assess(mitigation, _rc(True), regression, passed, lenient).band == "draft"
    assert assess(mitigation, _rc(True), regression, passed,
                  Policy(min_confidence=0.1, high_confidence=0.2)).band == "draft"
    unproven = candidate(3, strategy="mutation:comparison")
    weak = assess(unproven, RootCause(base_sha="b" * 40), None, passed, Policy())
    assert weak.band == "below" and any("no test reproduces" in r for r in weak.reasons)
    strict = Policy(min_confidence=0.95)
    assert assess(follows, _rc(True), regression, passed, strict).band == "below"
