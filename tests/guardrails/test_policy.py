"""Reading .github/alertfix.yml: defaults, overrides, and every way a file can be unusable."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from guardrails.policy import (
    DEFAULT_FORBIDDEN_PATHS,
    EXAMPLE_POLICY,
    Policy,
    describe_policy,
    load_policy,
    parse_policy,
    policy_verdict,
)


def write(repo: Path, text: str | bytes, name: str = ".github/alertfix.yml") -> None:
    path = repo / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")


def test_absent_file_gives_defaults(tmp_path: Path) -> None:
    policy = load_policy(tmp_path)
    assert policy == Policy()
    assert policy.enabled and policy_verdict(policy).allowed
    assert not policy.allow_new_dependencies and not policy.allow_out_of_scope
    assert ".github/" in policy.forbidden_paths and "*.lock" in policy.forbidden_paths


def test_settings_are_read_and_defaults_cannot_be_removed(tmp_path: Path) -> None:
    write(tmp_path, "allowed_paths: src/**\nforbidden_paths: [docs/]\nmax_files: 2\n"
          "sources: [Sentry]\nseverities: [error, warning]\nmax_open_prs: 1\n")  # fmt: skip
    policy = load_policy(tmp_path)
    assert policy.allowed_paths == ("src/**",)
    assert policy.forbidden_paths == (*DEFAULT_FORBIDDEN_PATHS, "docs/")
    assert (policy.max_files, policy.max_open_prs) == (2, 1)
    assert policy.sources == ("sentry",) and policy.severities == ("error", "warning")
    assert policy.origin == ".github/alertfix.yml"


def test_yaml_extension_and_empty_file(tmp_path: Path) -> None:
    write(tmp_path, "", ".github/alertfix.yaml")
    policy = load_policy(tmp_path)
    assert policy.enabled and policy.origin == ".github/alertfix.yaml" and not policy.problems


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("max_files: [1\n", "policy .github/alertfix.yml is not valid YAML at line 2"),
        ("- a\n- b\n", "policy .github/alertfix.yml must be a mapping of settings"),
        ("enable: false\n", "policy .github/alertfix.yml is invalid: enable: unknown key"),
        ("max_lines: -1\n",
         "policy .github/alertfix.yml is invalid: max_lines: "
         "Input should be greater than or equal to 0"),
        ("problems: []\n", "policy .github/alertfix.yml is invalid: problems: unknown key"),
        (b"max_files: \xff\n", "policy .github/alertfix.yml is not UTF-8 text"),
        ("x: " + "a" * 70_000, "policy .github/alertfix.yml is larger than 65536 bytes"),
    ],
)  # fmt: skip
def test_unusable_file_denies_with_reason(
    tmp_path: Path, content: str | bytes, reason: str
) -> None:
    write(tmp_path, content)
    policy = load_policy(tmp_path)
    assert not policy.enabled
    assert policy_verdict(policy).reasons == (reason,)


def test_both_extensions_is_ambiguous(tmp_path: Path) -> None:
    write(tmp_path, "max_files: 1\n")
    write(tmp_path, "max_files: 9\n", ".github/alertfix.yaml")
    assert policy_verdict(load_policy(tmp_path)).reasons == (
        "both .github/alertfix.yml and .github/alertfix.yaml exist; keep one",
    )


def test_symlink_out_of_the_repository_is_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside.yml"
    outside.write_text("max_files: 100\n")
    repo = tmp_path / "repo"
    (repo / ".github").mkdir(parents=True)
    os.symlink(outside, repo / ".github" / "alertfix.yml")
    assert policy_verdict(load_policy(repo)).reasons == (
        "policy .github/alertfix.yml points outside the repository",
    )


def test_kill_switch() -> None:
    assert policy_verdict(parse_policy("enabled: false\n")).reasons == (
        "alertfix is disabled for this repository (enabled: false in .github/alertfix.yml)",
    )


def test_description_for_the_pr_body() -> None:
    text = describe_policy(parse_policy("forbidden_paths: [docs/]\nmax_lines: 50\n"))
    assert "- policy: .github/alertfix.yml" in text
    assert "never changes: CI, migrations, lock files, infrastructure, secrets, docs/" in text
    assert "budget: 5 files, 50 lines" in text and "new dependencies: not allowed" in text
    disabled = describe_policy(parse_policy("enabled: no\n"))
    assert disabled.startswith("- policy (.github/alertfix.yml): alertfix is disabled")


def test_example_policy_is_the_defaults() -> None:
    example = parse_policy(EXAMPLE_POLICY)
    assert not example.problems
    assert example.model_copy(update={"origin": "defaults"}) == Policy()
