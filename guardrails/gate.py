"""The one gate: every PR opened or updated passes through here.

The forge adapters are only ever called after `check_pull_request` allowed the change. Text
sent out is redacted where it is rendered (`agent.nodes.base.text`, `plain`, `title`), and a
prompt through `outgoing_text`.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from guardrails.actions import check_alert_allowed, check_open_prs, check_push
from guardrails.patch import FileChange, check_patch
from guardrails.policy import Policy, policy_verdict
from guardrails.redact import redact
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
        check_push(branch, default_branch),
        check_open_prs(open_prs, policy),
        check_patch(changes, policy, scope, exception_type, first_party=first_party),
    )


def outgoing_text(text: str) -> str:
    """Text as it may leave the process (a prompt to a model): redacted."""
    return redact(text)
