"""The one result type of every guardrail: allowed or denied, with reasons ready to print.

Reasons are short, specific sentences ("path .github/workflows/ci.yml is forbidden by policy
(.github/)"). They go verbatim into the ticket, the PR and the audit log, so they must never
contain a secret or raw untrusted text; the checks that build them take care of that.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    reasons: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # A denial nobody can explain is useless in a ticket and impossible to audit.
        if not self.allowed and not self.reasons:
            raise ValueError("a denying Verdict needs at least one reason")

    @classmethod
    def allow(cls, *notes: str) -> Verdict:
        return cls(True, tuple(notes))

    @classmethod
    def deny(cls, *reasons: str) -> Verdict:
        return cls(False, tuple(reasons))

    @classmethod
    def from_reasons(cls, reasons: list[str] | tuple[str, ...]) -> Verdict:
        """Deny with `reasons` if there are any, allow otherwise: the shape most checks have."""
        return cls.deny(*reasons) if reasons else cls.allow()

    def __bool__(self) -> bool:
        return self.allowed

    def __str__(self) -> str:
        if self.allowed:
            return "allowed" + (f" ({'; '.join(self.reasons)})" if self.reasons else "")
        return "denied: " + "; ".join(self.reasons)

    def markdown(self, title: str = "Guardrails") -> str:
        """A short Markdown section for a ticket or PR body."""
        head = f"**{title}: {'passed' if self.allowed else 'denied'}**"
        return "\n".join([head, *(f"- {reason}" for reason in self.reasons)])


def combine(*verdicts: Verdict) -> Verdict:
    """Allowed only if every verdict is; reasons kept in order, duplicates dropped."""
    reasons = tuple(dict.fromkeys(r for v in verdicts for r in v.reasons))
    return Verdict(all(v.allowed for v in verdicts), reasons)
