"""The one gate before a PR: everything that could deny, combined, each with its reason."""

from __future__ import annotations

from guardrails.gate import check_pull_request
from guardrails.patch import FileChange
from guardrails.policy import Policy, parse_policy
from guardrails.verdict import Verdict
from tests.guardrails.corpus_loader import load

ORDERS = load("sources.yaml")["orders"]
FIXED = ORDERS.replace('order["items"])', 'order.get("items", []))')
FIX = FileChange("app/orders.py", ORDERS, FIXED)
SCOPE = {"app/orders.py": ["total"]}


def gate(
    changes: list[FileChange],
    policy: Policy,
    *,
    branch: str = "alertfix/kv-1",
    open_prs: int = 0,
    severity: str = "error",
) -> Verdict:
    return check_pull_request(
        changes, policy, SCOPE, branch=branch, default_branch="main", open_prs=open_prs,
        exception_type="KeyError", source="sentry", severity=severity,
    )  # fmt: skip


def test_a_good_fix_passes() -> None:
    assert gate([FIX], Policy()).allowed


def test_every_denial_is_listed() -> None:
    bad = FileChange(".github/workflows/ci.yml", "on: push\n", "on: pull_request\n")
    verdict = gate([FIX, bad], Policy(), branch="main", open_prs=3, severity="warning")
    assert verdict.reasons == (
        "alerts of severity warning do not open PRs by policy (severities: fatal, critical, "
        "error); stopping at the root cause",
        "alertfix never pushes to the default branch (main)",
        "alertfix pushes only its own branches (alertfix/*), not main",
        "3 alertfix PRs are already open in this repository; policy allows 3, so this fix is "
        "queued until one closes",
        "path .github/workflows/ci.yml is forbidden by policy (.github/)",
    )
    assert verdict.markdown().splitlines()[0] == "**Guardrails: denied**"


def test_a_disabled_policy_says_only_that() -> None:
    assert gate([FIX], parse_policy("enabled: false")).reasons == (
        "alertfix is disabled for this repository (enabled: false in .github/alertfix.yml)",
    )


def test_a_module_named_setup_on_the_stack_is_code_not_a_manifest() -> None:
    before = 'import os\n\n\ndef sender():\n    return os.environ["SMS_FROM"]\n'
    after = before.replace("SMS_FROM", "SMS_SENDER")
    module = FileChange("notify/setup.py", before, after)
    on_stack = check_pull_request(
        [module], Policy(), {"notify/setup.py": ["sender"]}, branch="alertfix/kv-1",
        default_branch="main", open_prs=0, exception_type="KeyError", source="sentry",
        severity="error")
    assert on_stack.allowed, on_stack.reasons
    packaging = FileChange("setup.py", "from setuptools import setup\nsetup()\n",
                           "from setuptools import setup\nsetup(install_requires=['x'])\n")
    denied = gate([FIX, packaging], Policy(max_files=5))
    assert any("changes dependency manifest setup.py" in r for r in denied.reasons)
