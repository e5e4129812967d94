"""What alertfix may do to a forge, and how often.

alertfix never pushes to the default branch, never force-pushes a branch it did not create,
and never merges (the Forge protocol has no merge at all). The rate limits keep one noisy
service from burying a team in PRs: past them, alerts are queued and the ticket says so.
"""

from __future__ import annotations

import re

from guardrails.policy import Policy, policy_verdict
from guardrails.untrusted import inline
from guardrails.verdict import Verdict, combine

# git check-ref-format, plus ':' and leading '+' so that a "branch" can never be a refspec
# like "fix:main" or "+fix" that pushes somewhere else or forces.
_BAD_REF = re.compile(r"(^[-+/.]|\.\.|@\{|[\x00-\x20\x7f~^:?*\[\\]|//|/\.|\.lock$|\.lock/|[/.]$)")


def _short(branch: str) -> str:
    return branch.removeprefix("refs/heads/")


def check_branch_name(branch: str) -> Verdict:
    name = _short(branch)
    if not name or name == "HEAD" or name == "@" or _BAD_REF.search(name):
        return Verdict.deny(f"branch name {inline(name, 80)!r} is not a plain branch name")
    return Verdict.allow()


def check_push(branch: str, default_branch: str, own_prefix: str = "alertfix/") -> Verdict:
    """May alertfix push `branch`? Never the default branch, and only its own branches: a
    better patch replaces the previous one with a (leased) force push."""
    valid = check_branch_name(branch)
    if not valid:
        return valid
    reasons = []
    if _short(branch) == _short(default_branch) or not _short(default_branch):
        reasons.append(f"alertfix never pushes to the default branch ({_short(default_branch)})")
    if not _short(branch).startswith(own_prefix):
        reasons.append(f"alertfix pushes only its own branches ({own_prefix}*), not "
                       f"{_short(branch)}")
    return Verdict.from_reasons(reasons)


def check_open_prs(open_prs: int, policy: Policy) -> Verdict:
    """`open_prs`: alertfix PRs already open in the repository, not counting one being updated."""
    if open_prs >= policy.max_open_prs:
        return Verdict.deny(
            f"{open_prs} alertfix PRs are already open in this repository; policy allows "
            f"{policy.max_open_prs}, so this fix is queued until one closes"
        )
    return Verdict.allow()


def check_incident_rate(incidents_last_hour: int, policy: Policy) -> Verdict:
    """`incidents_last_hour`: incidents started in the past hour, not counting this one."""
    if incidents_last_hour >= policy.max_incidents_per_hour:
        return Verdict.deny(
            f"{incidents_last_hour} incidents started in the past hour; policy allows "
            f"{policy.max_incidents_per_hour} an hour, so this alert is queued"
        )
    return Verdict.allow()


def check_rate(open_prs: int, incidents_last_hour: int, policy: Policy) -> Verdict:
    return combine(
        check_open_prs(open_prs, policy), check_incident_rate(incidents_last_hour, policy)
    )


def check_alert_allowed(source: str, severity: str, policy: Policy) -> Verdict:
    """May an alert of this source and severity lead to a PR? If not, it stops at RCA."""
    state = policy_verdict(policy)
    if not state:
        return state
    reasons = []
    # Both values come from the alert payload, so they are made inert before being printed.
    if source.strip().lower() not in policy.sources:
        reasons.append(
            f"alerts from {inline(source, 40) or 'an unknown source'} do not open PRs by policy "
            f"(sources: {', '.join(policy.sources) or 'none'}); stopping at the root cause"
        )
    if severity.strip().lower() not in policy.severities:
        reasons.append(
            f"alerts of severity {inline(severity, 40) or 'unknown'} do not open PRs by policy "
            f"(severities: {', '.join(policy.severities) or 'none'}); stopping at the root cause"
        )
    return Verdict.from_reasons(reasons)
