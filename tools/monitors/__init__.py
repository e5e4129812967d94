"""Alert sources: parsing, signature checks and API reads, one module per monitor."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tools.monitors import github_events, pagerduty, sentry
from tools.ports import Alert, AlertParseError

PARSERS: dict[str, Callable[[Any], Alert]] = {
    "sentry": sentry.parse_alert,
    "pagerduty": pagerduty.parse_alert,
    "ci": github_events.parse_ci_alert,
}


def parse_alert(source: str, payload: Any) -> Alert:
    """The Alert in `payload` from `source`; AlertParseError says why when there is none."""
    try:
        parser = PARSERS[source]
    except KeyError:
        raise AlertParseError(
            f"unknown alert source {source!r} (known: {', '.join(sorted(PARSERS))})"
        ) from None
    return parser(payload)
