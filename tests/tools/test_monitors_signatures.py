"""Webhook signatures: GitHub's documented vector, Sentry freshness, PagerDuty rotation."""

from __future__ import annotations

import time

import pytest

from tools.monitors.signatures import (
    SignatureError,
    check_fresh,
    hmac_sha256,
    verify_github,
    verify_pagerduty,
    verify_sentry,
)

GITHUB_SECRET = "It's a Secret to Everybody"
GITHUB_BODY = b"Hello, World!"
GITHUB_SIGNATURE = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"


def test_github_documented_test_vector() -> None:
    verify_github(GITHUB_SECRET, GITHUB_BODY, GITHUB_SIGNATURE)


@pytest.mark.parametrize("header", [
    None, "", "sha1=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
    "sha256=" + "0" * 64, GITHUB_SIGNATURE[:-1],
])
def test_github_refuses_missing_or_wrong_signatures(header: str | None) -> None:
    with pytest.raises(SignatureError):
        verify_github(GITHUB_SECRET, GITHUB_BODY, header)


def test_github_refuses_a_changed_body() -> None:
    with pytest.raises(SignatureError, match="does not match"):
        verify_github(GITHUB_SECRET, b"Hello, World?", GITHUB_SIGNATURE)


def test_sentry_signature_and_fresh_timestamp() -> None:
    body = b'{"action": "triggered"}'
    now = 1_800_000_000.0
    signature = hmac_sha256("client-secret", body)
    verify_sentry("client-secret", body, signature, str(int(now) - 299), 300, now=now)
    with pytest.raises(SignatureError, match="stale or replayed"):
        verify_sentry("client-secret", body, signature, str(int(now) - 301), 300, now=now)
    with pytest.raises(SignatureError, match="stale or replayed"):  # far in the future too
        verify_sentry("client-secret", body, signature, str(int(now) + 3600), 300, now=now)
    with pytest.raises(SignatureError, match="does not match"):
        verify_sentry("other-secret", body, signature, str(int(now)), 300, now=now)


@pytest.mark.parametrize("timestamp", [None, "", "yesterday", "nan", "inf"])
def test_unusable_timestamps_are_refused(timestamp: str | None) -> None:
    with pytest.raises(SignatureError):
        check_fresh(timestamp, 300, now=time.time())


def test_pagerduty_accepts_any_secret_during_rotation() -> None:
    body = b'{"event": {}}'
    old, new = hmac_sha256("old-secret", body), hmac_sha256("new-secret", body)
    header = f"v1={old},v1={new}"
    verify_pagerduty(["new-secret"], body, header)  # we already rotated
    verify_pagerduty(["old-secret"], body, header)  # we have not yet
    verify_pagerduty(["old-secret", "new-secret"], body, f"v1={new}")  # they finished first
    with pytest.raises(SignatureError):
        verify_pagerduty(["third-secret"], body, header)
    with pytest.raises(SignatureError):
        verify_pagerduty(["new-secret"], body, f"v2={new}")  # an unknown scheme
    with pytest.raises(SignatureError):
        verify_pagerduty(["new-secret"], body, None)


def test_reasons_never_quote_secrets_or_signatures() -> None:
    body = b"{}"
    wrong = "v1=" + hmac_sha256("attacker", body)
    with pytest.raises(SignatureError) as caught:
        verify_pagerduty(["s3cr3t-value"], body, wrong)
    assert "s3cr3t" not in str(caught.value) and wrong[3:] not in str(caught.value)
