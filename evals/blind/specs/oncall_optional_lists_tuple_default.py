"""blind-oncall-optional-lists-tuple-default (sentry)."""

from __future__ import annotations

from evals.blind.model import Case, Commit, Edit, WrongFix
from evals.blind.people import AMARA, PRIYA, TOMAS

_ONCALL_RULES = '''"""Routing rules, as kept in rules.json: which team is paged for which alert."""

import json
from pathlib import Path

RULES_FILE = Path(__file__).with_name("rules.json")


def load_rules(path: Path = RULES_FILE) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))


def match(rules: list[dict], alert: dict) -> dict | None:
    """The first rule whose service and labels all fit the alert."""
    for rule in rules:
        labels = rule.get("labels", [])
        if rule["service"] == alert["service"] and all(l in alert["labels"] for l in labels):
            return rule
    return None
'''

_ONCALL_ROUTING_1 = '''"""Who is paged, and who is next when nobody acknowledges."""

DEFAULT_ESCALATION = "incident-commander"


def recipients(rule: dict) -> list[str]:
    """The owner first, then everyone copied on the rule."""
    return [rule["owner"]] + rule["cc"]


def escalation_chain(rule: dict) -> list[str]:
    """Who is paged next, in order; the incident commander always comes last."""
    return rule["escalate_to"] + [DEFAULT_ESCALATION]
'''

_ONCALL_ROUTING_2 = _ONCALL_ROUTING_1.replace(
    '    return [rule["owner"]] + rule["cc"]\n',
    '    return [rule["owner"]] + rule.get("cc", ())\n').replace(
    '    return rule["escalate_to"] + [DEFAULT_ESCALATION]\n',
    '    return rule.get("escalate_to", ()) + [DEFAULT_ESCALATION]\n').replace(
    '"""Who is paged, and who is next when nobody acknowledges."""\n',
    '"""Who is paged, and who is next when nobody acknowledges.\n\n'
    '`cc` and `escalate_to` are optional in rules.json.\n"""\n')

_ONCALL_PAGER = '''"""Turning a matched alert into pages."""

from oncall import routing, rules


def _rule(alert: dict, rule_list: list[dict] | None) -> dict | None:
    return rules.match(rules.load_rules() if rule_list is None else rule_list, alert)


def page(alert: dict, rule_list: list[dict] | None = None) -> list[str]:
    """Who is paged when the alert fires."""
    rule = _rule(alert, rule_list)
    return [routing.DEFAULT_ESCALATION] if rule is None else routing.recipients(rule)


def escalate(alert: dict, rule_list: list[dict] | None = None) -> list[str]:
    """Who is paged next, in order, while nobody acknowledges (the ack-timeout job)."""
    rule = _rule(alert, rule_list)
    return [] if rule is None else routing.escalation_chain(rule)
'''

_ONCALL_JSON_1 = '''[
  {"service": "payments", "labels": ["sev1"], "owner": "payments-primary",
   "cc": ["payments-lead"], "escalate_to": ["payments-secondary"]},
  {"service": "payments", "owner": "payments-primary", "cc": [], "escalate_to": []}
]
'''

_ONCALL_JSON_2 = '''[
  {"service": "payments", "labels": ["sev1"], "owner": "payments-primary",
   "cc": ["payments-lead"], "escalate_to": ["payments-secondary"]},
  {"service": "payments", "owner": "payments-primary"},
  {"service": "search", "owner": "search-oncall", "escalate_to": ["search-lead"]}
]
'''

_ONCALL_JUDGE = '''import copy

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
'''

CASE = Case(
    id="blind-oncall-optional-lists-tuple-default",
    title="TypeError: can only concatenate list (not 'tuple') to list in recipients",
    source="sentry", service="oncall", received_at="2026-11-19T03:12:00Z",
    tags=("TypeError", "wrong-literal", "multi-site", "regression"),
    commits=(
        Commit("On-call routing from rules.json", PRIYA, "2026-11-04T14:00:00+00:00", {
            "oncall/__init__.py": '"""Pages the right people for an alert."""\n',
            "oncall/rules.py": _ONCALL_RULES,
            "oncall/rules.json": _ONCALL_JSON_1,
            "oncall/routing.py": _ONCALL_ROUTING_1,
            "oncall/pager.py": _ONCALL_PAGER,
            "tests/test_pager.py": '''from oncall.pager import page


def test_sev1_pages_owner_and_lead():
    assert page({"service": "payments", "labels": ["sev1"]}) == [
        "payments-primary", "payments-lead"]


def test_unknown_service_goes_to_the_commander():
    assert page({"service": "nope", "labels": []}) == ["incident-commander"]
''',
        }, deploy="2026-11-04T16:00:00Z"),
        Commit("Rules: cc and escalate_to are optional\n\n"
               "Most rules repeated empty lists; let rules.json leave them out.\n",
               TOMAS, "2026-11-14T10:10:00+00:00", {
            "oncall/routing.py": _ONCALL_ROUTING_2,
            "oncall/rules.json": _ONCALL_JSON_2,
        }, deploy="2026-11-14T12:00:00Z"),
        Commit("Pager: README for the rules format", AMARA, "2026-11-17T08:20:00+00:00", {
            "README.md": "# oncall\n\nRules live in `oncall/rules.json`: `service`, `owner`,\n"
                         "optional `labels`, `cc` and `escalate_to` (lists of rota names).\n",
        }, deploy="2026-11-17T09:00:00Z"),
    ),
    culprit=2, files=("oncall/routing.py",), functions=("recipients", "escalation_chain"),
    judge=_ONCALL_JUDGE,
    crash='''from oncall.pager import page

page({"service": "payments", "labels": ["latency"], "title": "p99 above 2s"})
''',
    fix=(Edit("oncall/routing.py", ', ())', ', [])', count=2),),
    wrong_fixes=(
        WrongFix("fixes recipients only; escalation_chain keeps the tuple default", (
            Edit("oncall/routing.py", 'rule.get("cc", ())', 'rule.get("cc", [])'),
        )),
        WrongFix("pages nobody when the concatenation fails", (
            Edit("oncall/routing.py",
                 '    return [rule["owner"]] + rule.get("cc", ())\n',
                 '    try:\n        return [rule["owner"]] + rule.get("cc", ())\n'
                 '    except TypeError:\n        return []\n'),
            Edit("oncall/routing.py",
                 '    return rule.get("escalate_to", ()) + [DEFAULT_ESCALATION]\n',
                 '    try:\n        return rule.get("escalate_to", ()) + [DEFAULT_ESCALATION]\n'
                 '    except TypeError:\n        return []\n'),
        )),
    ),
    summary={"bug": "`rule.get('cc', ())` and `rule.get('escalate_to', ())`: a tuple "
                    "default concatenated with a list",
             "fix": "`[]` as the default in both places (rules.match already uses `[]`)",
             "trap": "fixing only recipients (the traceback); try/except returning []"},
)
