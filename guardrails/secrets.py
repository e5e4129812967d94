"""Find secrets and personal data in text: by known token shapes, by context, by entropy.

`find_sensitive` returns spans, so that `redact` can replace them and the patch check can
report where they are without ever repeating the value.
"""

from __future__ import annotations

import ipaddress
import itertools
import math
import re
from collections import Counter
from dataclasses import dataclass


@dataclass(frozen=True)
class Finding:
    kind: str  # "github-token", "email", "password", ... (goes into [REDACTED:kind])
    start: int
    end: int


# Known token shapes. The group named "v" is the part to hide; without it, the whole match.
_TOKEN_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern))
    for kind, pattern in (
        ("private-key", r"-----BEGIN [A-Z ]*PRIVATE KEY( BLOCK)?-----[\s\S]*?"
                        r"(-----END [A-Z ]*PRIVATE KEY( BLOCK)?-----|\Z)"),
        ("aws-access-key", r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[0-9A-Z]{16}\b"),
        ("github-token", r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{22,})\b"),
        ("gitlab-token", r"\bglpat-[A-Za-z0-9_-]{20,}"),
        ("slack-token", r"\bxox[abposr]-[A-Za-z0-9-]{10,}"),
        ("slack-webhook", r"https://hooks\.slack\.com/services/[A-Za-z0-9/_-]+"),
        ("stripe-key", r"\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}"),
        ("google-api-key", r"\bAIza[0-9A-Za-z_-]{35}"),
        ("anthropic-key", r"\bsk-ant-[A-Za-z0-9_-]{20,}"),
        ("openai-key", r"\bsk-(?:proj-)?[A-Za-z0-9_-]{20,}"),
        ("npm-token", r"\bnpm_[A-Za-z0-9]{36}\b"),
        ("pypi-token", r"\bpypi-[A-Za-z0-9_-]{50,}"),
        ("sendgrid-key", r"\bSG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}"),
        ("jwt", r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
        # user:password@ (or a bare key@, as in a Sentry DSN) in any URL.
        ("url-credentials", r"(?<=://)(?P<v>[^/\s:@\[\]]+(?::[^/\s@]*)?)@"),
        ("token", r"(?i)\bbearer\s+(?P<v>(?!\[REDACTED)[A-Za-z0-9._~+/=-]{8,})"),
        ("token", r"(?i)\bbasic\s+(?P<v>(?=[A-Za-z+/]*[0-9+/=])[A-Za-z0-9+/]{8,}=*)"),
    )
)  # fmt: skip

_EMAIL = re.compile(
    r"(?<![\w.%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b"
)
_USERINFO_BEFORE = re.compile(r"://[^\s/@]*$")
_IPV4 = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?!\.?\d|\w)")
_IPV6 = re.compile(r"(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])")
_CARD = re.compile(r"(?<![\d-])[2-6]\d{3}(?:[ -]?\d){9,15}(?![\d-])")

# name = value, name: value, "name": "value". Which names count is decided by is_sensitive_name.
_ASSIGNMENT = re.compile(
    r"""(?P<name>[A-Za-z_][\w.-]{0,60})["']?\s*(?::|=|=>)\s*"""
    r"""(?P<q>["'])?(?P<v>(?!\[REDACTED)(?(q)[^"'\n]+|[^\s"',;&)}\]]+))"""
)
# A string literal assigned to a sensitive name in source code: API_KEY = "..."
_CODE_ASSIGNMENT = re.compile(
    r"""(?P<name>[A-Za-z_][\w]{0,60})["']?\s*(?::|=)\s*[bru]{0,2}(?P<q>["'])(?P<v>[^"'\n]{6,})(?P=q)"""
)
_CANDIDATE = re.compile(r"[A-Za-z0-9+/_=-]{20,}")
_UUID = re.compile(r"^[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}$")
_PLACEHOLDER = re.compile(
    r"(?i)example|dummy|fake|changeme|placeholder|redacted|xxxx|\*\*\*|<|\$\{|\{\{"
)

# Name parts that mark a value as sensitive. Matched against whole words of the name, so that
# `key`, `author` or `token_count`-style names in ordinary code stay visible.
_SENSITIVE_WORDS = frozenset({
    "password", "passwd", "pwd", "passphrase", "pass", "secret", "secrets", "token", "tokens",
    "apikey", "auth", "authorization", "cookie", "cookies", "session", "sessionid", "credential",
    "credentials", "creds", "csrf", "xsrf", "ssn", "cvv", "cvc", "iban", "dsn", "jwt", "bearer",
    "otp", "privatekey", "accesskey", "secretkey", "signingkey", "clientsecret", "cardnumber",
    "creditcard", "ccnumber", "pin", "salt", "signature",
})  # fmt: skip
_NOT_SENSITIVE_WORDS = frozenset({
    "count", "type", "len", "length", "url", "expiry", "expires", "name", "field", "required",
    "policy", "enabled",
})  # fmt: skip


def _words(name: str) -> list[str]:
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name)
    return [w for w in re.split(r"[^a-z0-9]+", snake.lower()) if w]


def is_sensitive_name(name: str) -> bool:
    """Whether a variable, key or header name says its value is a credential or personal."""
    words = _words(name)
    if not words or words[-1] in _NOT_SENSITIVE_WORDS:
        return False  # token_count, password_policy: about the secret, not the secret
    joined = {a + b for a, b in itertools.pairwise(words)}
    return any(w in _SENSITIVE_WORDS for w in words) or any(j in _SENSITIVE_WORDS for j in joined)


def shannon_entropy(text: str) -> float:
    counts = Counter(text)
    return -sum(c / len(text) * math.log2(c / len(text)) for c in counts.values())


def looks_random(token: str) -> bool:
    """A key-like string: long, mixed classes of characters, and high entropy for its length."""
    core = token.strip("=.-_/")
    if len(core) < 20 or _UUID.match(core):
        return False
    classes = sum(bool(re.search(p, core)) for p in ("[a-z]", "[A-Z]", "[0-9]"))
    if classes < 3:
        return False  # hex digests and SHAs are reported by context, not by entropy
    # Identifiers are mostly words (runs like "order", "Service", "HTTP"); random keys are not:
    # fewer than 1 in 200 random 20-character tokens has 70% of its characters in such runs.
    worded = sum(map(len, re.findall(r"[a-z]{4,}|[A-Z]{4,}|[A-Z][a-z]{3,}", core)))
    if worded >= 0.7 * len(core):
        return False
    # Random base64 over n characters scores close to log2(n); English-like identifiers lower.
    return shannon_entropy(core) >= min(4.2, math.log2(len(core)) - 0.6)


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def _span(match: re.Match[str]) -> tuple[int, int]:
    return match.span("v") if "v" in match.re.groupindex else match.span()


def find_secrets(text: str, *, code: bool = False) -> list[Finding]:
    """Credentials in `text`. With code=True, names are only trusted next to string literals."""
    found: list[Finding] = []
    for kind, pattern in _TOKEN_PATTERNS:
        found.extend(Finding(kind, *_span(m)) for m in pattern.finditer(text))
    assignment = _CODE_ASSIGNMENT if code else _ASSIGNMENT
    for m in assignment.finditer(text):
        value = m.group("v")
        if not is_sensitive_name(m.group("name")) or value.lower() in {"bearer", "basic"}:
            continue  # the scheme word before a token; the token pattern hides the token
        if code and _PLACEHOLDER.search(value):
            continue  # password="changeme" in a fixture is not a leak
        found.append(Finding(_kind_for_name(m.group("name")), *m.span("v")))
    for m in _CANDIDATE.finditer(text):
        if looks_random(m.group()):
            found.append(Finding("high-entropy-string", *m.span()))
    return _merge(found)


def find_personal_data(text: str) -> list[Finding]:
    found: list[Finding] = [
        Finding("email", *m.span())
        for m in _EMAIL.finditer(text)
        # user@host inside a URL is a credential, already hidden as such; look back one line.
        if not _USERINFO_BEFORE.search(text, max(0, m.start() - 500), m.start())
    ]
    for m in (*_IPV4.finditer(text), *_IPV6.finditer(text)):
        try:
            address = ipaddress.ip_address(m.group())
        except ValueError:
            continue  # 12:30:45 and version numbers look like addresses but are not
        if not (address.is_loopback or address.is_unspecified):
            found.append(Finding("ip", *m.span()))
    for m in _CARD.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        if 13 <= len(digits) <= 19 and _luhn(digits):
            found.append(Finding("card", *m.span()))
    return _merge(found)


def find_sensitive(text: str) -> list[Finding]:
    return _merge(find_secrets(text) + find_personal_data(text))


def _kind_for_name(name: str) -> str:
    words = set(_words(name))
    if words & {"password", "passwd", "pwd", "passphrase", "pass"}:
        return "password"
    return "secret"


def _merge(findings: list[Finding]) -> list[Finding]:
    """Non-overlapping findings in text order; on overlap the earlier, then longer, wins."""
    out: list[Finding] = []
    for f in sorted(findings, key=lambda f: (f.start, -(f.end - f.start))):
        if out and f.start < out[-1].end:
            if f.end > out[-1].end:  # extend, so nothing of the value stays visible
                out[-1] = Finding(out[-1].kind, out[-1].start, f.end)
            continue
        out.append(f)
    return out
