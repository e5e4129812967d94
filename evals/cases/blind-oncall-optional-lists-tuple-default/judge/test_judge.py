import copy

from oncall.pager import escalate, page
from oncall.routing import escalation_chain, recipients

RULES = [
    {"service": "payments", "labels": ["sev1"], "owner": "pay-1", "cc": ["pay-lead"],
     "escalate_to": ["pay-2"]},
    {"service": "payments", "owner": "pay-1"},
    {"service": "search", "owner": "search-1", "escalate_to": ["search-lead"]},
    {"service": "mail", "owner": "mail-1", "cc": ["mail-lead", "support"]},
]


def test_owner_alone_when_nobody_is_copied():
    assert recipients({"owner": "pay-1"}) == ["pay-1"]
    assert page({"service": "payments", "labels": []}, RULES) == ["pay-1"]
    assert page({"service": "search", "labels": []}, RULES) == ["search-1"]


def test_copied_people_follow_the_owner():
    assert page({"service": "mail", "labels": []}, RULES) == ["mail-1", "mail-lead", "support"]
    assert page({"service": "payments", "labels": ["sev1"]}, RULES) == ["pay-1", "pay-lead"]


def test_commander_alone_when_no_escalation_is_configured():
    assert escalation_chain({"owner": "pay-1"}) == ["incident-commander"]
    assert escalate({"service": "mail", "labels": []}, RULES) == ["incident-commander"]
    assert escalate({"service": "payments", "labels": []}, RULES) == ["incident-commander"]


def test_configured_escalation_comes_before_the_commander():
    assert escalate({"service": "search", "labels": []}, RULES) == [
        "search-lead", "incident-commander"]
    assert escalate({"service": "payments", "labels": ["sev1"]}, RULES) == [
        "pay-2", "incident-commander"]


def test_rules_are_not_modified():
    rules = copy.deepcopy(RULES)
    for alert in ({"service": s, "labels": ["sev1"]} for s in ("payments", "search", "mail")):
        page(alert, rules)
        page(alert, rules)
        escalate(alert, rules)
        escalate(alert, rules)
    assert rules == RULES
