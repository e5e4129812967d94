"""The one gate: every PR opened or updated, and every text sent out, passes through here.

The forge adapters are only ever called after `check_pull_request` allowed the change; the
trackers, PR bodies, logs and prompts only ever receive text that `outgoing_text` prepared.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from guardrails.actions import check_alert_allowed, check_open_prs, check_push
from guardrails.patch import FileChange, check_patch
from guardrails.policy import Policy, policy_verdict
from guardrails.redact import redact
from guardrails.secrets import find_sensitive
from guardrails.verdict import Verdict, combine


def check_pull_request(
    changes: list[FileChange],
    policy: Policy,
    scope: Mapping[str, Sequence[str]],
    *,
    branch: str,
    default_branch: str,
    open_prs: int,
    exception_type: str,
    source: str,
    severity: str,
    created_by_alertfix: bool = True,
    force: bool = False,
    first_party: Collection[str] = (),
) -> Verdict:
    """May alertfix push `branch` with these changes and open (or update) its PR?

    open_prs: alertfix PRs already open in the repository, not counting the one on `branch`.
    """
    state = policy_verdict(policy)
    if not state:
        return state  # a disabled or broken policy is the only thing worth saying
    return combine(
        check_alert_allowed(source, severity, policy),
        check_push(branch, default_branch, created_by_alertfix, force),
        check_open_prs(open_prs, policy),
        check_patch(changes, policy, scope, exception_type, first_party=first_party),
    )


def check_text(text: str) -> Verdict:
    """Deny text that still carries a secret or personal data (for adapters to assert on)."""
    kinds = sorted({f.kind for f in find_sensitive(text)})
    if kinds:
        return Verdict.deny(f"text contains unredacted {', '.join(kinds)}")
    return Verdict.allow()


def outgoing_text(text: str) -> str:
    """Text as it may leave the process (ticket, PR, log line, prompt): redacted."""
    return redact(text)
