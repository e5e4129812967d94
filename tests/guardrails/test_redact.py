"""Redaction of the hostile-alert corpus, and the properties every output must have."""

from __future__ import annotations

from typing import Any

import pytest

from guardrails.redact import redact, redact_vars
from guardrails.secrets import find_secrets, find_sensitive, is_sensitive_name, looks_random
from tests.guardrails.corpus_loader import load

CORPUS = load("hostile_alerts.yaml")
TEXTS = CORPUS["redact"]


@pytest.mark.parametrize("case", TEXTS, ids=[c["name"] for c in TEXTS])
def test_redact_corpus(case: dict[str, Any]) -> None:
    redacted = redact(case["text"])
    assert redacted == case["expected"]
    assert redact(redacted) == redacted  # idempotent: safe to apply at every boundary
    assert not find_sensitive(redacted)  # nothing sensitive is left


@pytest.mark.parametrize("case", CORPUS["vars"], ids=[c["name"] for c in CORPUS["vars"]])
def test_redact_vars_corpus(case: dict[str, Any]) -> None:
    assert redact_vars(case["vars"]) == case["expected"]


def test_secret_values_never_survive() -> None:
    values = ["hunter2", "s3cr3t", "f00ba7", "abc.def-123_456", "q7Vf2LmZ9xR4tK8wB3nY6pC1sJ5hD0gA",
              "alice.smith", "203.0.113.7", "4111 1111", "b3BlbnNzaC1rZXktdjEAAAAA"]  # fmt: skip
    everything = "\n".join(c["text"] for c in TEXTS)
    redacted = redact(everything)
    for value in values:
        assert value in everything
        assert value not in redacted


def test_find_sensitive_names_what_is_left() -> None:
    found = find_sensitive("mail bob@example.com token ghp_R2d9xLmQ7vTz4KpW8sYb3NcF6hJa1UeG5iOk")
    assert sorted({f.kind for f in found}) == ["email", "github-token"]


def test_vars_survive_cycles_and_odd_values() -> None:
    loop: dict[str, Any] = {"name": "x"}
    loop["self"] = loop
    out = redact_vars({"loop": loop, "obj": object(), "ratio": 0.5, "flag": True, "n": None})
    assert out["ratio"] == 0.5 and out["flag"] is True and out["n"] is None
    assert out["obj"].startswith("<object object")
    depth, node = 0, out["loop"]
    while isinstance(node, dict):
        node, depth = node["self"], depth + 1
    assert node == "[TRUNCATED]" and depth < 12


@pytest.mark.parametrize(
    ("name", "sensitive"),
    [("password", True), ("db_password", True), ("apiKey", True), ("X-Api-Key", True),
     ("AWS_SECRET_ACCESS_KEY", True), ("sessionid", True), ("auth_header", True),
     ("key", False), ("author", False), ("token_count", False), ("password_policy", False),
     ("tokenizer", False), ("order_id", False)],
)  # fmt: skip
def test_sensitive_names(name: str, sensitive: bool) -> None:
    assert is_sensitive_name(name) is sensitive


def test_entropy_separates_keys_from_identifiers() -> None:
    import random
    import string

    rng = random.Random(7)
    alphabet = string.ascii_letters + string.digits
    keys = ["".join(rng.choice(alphabet) for _ in range(32)) for _ in range(200)]
    identifiers = ["test_handles_missing_Customer2_record", "HTTPConnectionPool_host_Example123",
                   "sqlalchemy_exc_IntegrityError_UNIQUE2", "ThisIsAVeryLongClassNameWith3Words",
                   "550e8400-e29b-41d4-a716-446655440000",
                   "a94a8fe5ccb19ba61c4c0873d391e987982fbbd3"]  # fmt: skip
    assert sum(map(looks_random, keys)) >= 190  # measured: 197 of 200 at this length
    assert not any(map(looks_random, identifiers))


def test_code_mode_only_trusts_names_next_to_literals() -> None:
    assert find_secrets('password = request.form["password"]', code=True) == []
    assert find_secrets('password = "changeme-please"', code=True) == []  # placeholder
    assert [f.kind for f in find_secrets('password = "tr0ub4dor&3x"', code=True)] == ["password"]
