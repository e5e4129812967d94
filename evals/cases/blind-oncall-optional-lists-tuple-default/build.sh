#!/bin/sh
# Builds the blind-oncall-optional-lists-tuple-default repository in "$1": 3 commits.
# Written by evals/blind (python -m evals.blind generate); edit the spec there, not this file.
set -eu
mkdir -p "$1"
cd "$1"
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 TZ=UTC LC_ALL=C
git init -q -b main .

commit() {  # author name, author email, date; the message on stdin
    git add -A
    GIT_AUTHOR_NAME="$1" GIT_AUTHOR_EMAIL="$2" GIT_AUTHOR_DATE="$3" \
    GIT_COMMITTER_NAME="$1" GIT_COMMITTER_EMAIL="$2" GIT_COMMITTER_DATE="$3" \
        git -c commit.gpgsign=false commit -q --cleanup=verbatim -F -
}

deploy() {  # number, date: an annotated tag whose tagger date is the deploy time
    GIT_COMMITTER_NAME="Deploy Bot" GIT_COMMITTER_EMAIL="deploy-bot@acme.test" \
    GIT_COMMITTER_DATE="$2" git -c tag.gpgsign=false tag -a "deploy-$1" -m "environment=production
deployed oncall by the release pipeline"
}

# --- commit 1: On-call routing from rules.json
mkdir -p oncall
cat > oncall/__init__.py <<'__BLIND_EOF__'
"""Pages the right people for an alert."""
__BLIND_EOF__
mkdir -p oncall
cat > oncall/rules.py <<'__BLIND_EOF__'
"""Routing rules, as kept in rules.json: which team is paged for which alert."""

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
__BLIND_EOF__
mkdir -p oncall
cat > oncall/rules.json <<'__BLIND_EOF__'
[
  {"service": "payments", "labels": ["sev1"], "owner": "payments-primary",
   "cc": ["payments-lead"], "escalate_to": ["payments-secondary"]},
  {"service": "payments", "owner": "payments-primary", "cc": [], "escalate_to": []}
]
__BLIND_EOF__
mkdir -p oncall
cat > oncall/routing.py <<'__BLIND_EOF__'
"""Who is paged, and who is next when nobody acknowledges."""

DEFAULT_ESCALATION = "incident-commander"


def recipients(rule: dict) -> list[str]:
    """The owner first, then everyone copied on the rule."""
    return [rule["owner"]] + rule["cc"]


def escalation_chain(rule: dict) -> list[str]:
    """Who is paged next, in order; the incident commander always comes last."""
    return rule["escalate_to"] + [DEFAULT_ESCALATION]
__BLIND_EOF__
mkdir -p oncall
cat > oncall/pager.py <<'__BLIND_EOF__'
"""Turning a matched alert into pages."""

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
__BLIND_EOF__
mkdir -p tests
cat > tests/test_pager.py <<'__BLIND_EOF__'
from oncall.pager import page


def test_sev1_pages_owner_and_lead():
    assert page({"service": "payments", "labels": ["sev1"]}) == [
        "payments-primary", "payments-lead"]


def test_unknown_service_goes_to_the_commander():
    assert page({"service": "nope", "labels": []}) == ["incident-commander"]
__BLIND_EOF__
commit 'Priya Raman' priya.raman@acme.dev 2026-11-04T14:00:00+00:00 <<'__BLIND_EOF__'
On-call routing from rules.json
__BLIND_EOF__
deploy 1 2026-11-04T16:00:00Z

# --- commit 2: Rules: cc and escalate_to are optional
mkdir -p oncall
cat > oncall/routing.py <<'__BLIND_EOF__'
"""Who is paged, and who is next when nobody acknowledges.

`cc` and `escalate_to` are optional in rules.json.
"""

DEFAULT_ESCALATION = "incident-commander"


def recipients(rule: dict) -> list[str]:
    """The owner first, then everyone copied on the rule."""
    return [rule["owner"]] + rule.get("cc", ())


def escalation_chain(rule: dict) -> list[str]:
    """Who is paged next, in order; the incident commander always comes last."""
    return rule.get("escalate_to", ()) + [DEFAULT_ESCALATION]
__BLIND_EOF__
mkdir -p oncall
cat > oncall/rules.json <<'__BLIND_EOF__'
[
  {"service": "payments", "labels": ["sev1"], "owner": "payments-primary",
   "cc": ["payments-lead"], "escalate_to": ["payments-secondary"]},
  {"service": "payments", "owner": "payments-primary"},
  {"service": "search", "owner": "search-oncall", "escalate_to": ["search-lead"]}
]
__BLIND_EOF__
commit 'Tomas Ferreira' tomas.ferreira@acme.dev 2026-11-14T10:10:00+00:00 <<'__BLIND_EOF__'
Rules: cc and escalate_to are optional

Most rules repeated empty lists; let rules.json leave them out.
__BLIND_EOF__
deploy 2 2026-11-14T12:00:00Z

# --- commit 3: Pager: README for the rules format
cat > README.md <<'__BLIND_EOF__'
# oncall

Rules live in `oncall/rules.json`: `service`, `owner`,
optional `labels`, `cc` and `escalate_to` (lists of rota names).
__BLIND_EOF__
commit 'Amara Okafor' amara.okafor@acme.dev 2026-11-17T08:20:00+00:00 <<'__BLIND_EOF__'
Pager: README for the rules format
__BLIND_EOF__
deploy 3 2026-11-17T09:00:00Z
