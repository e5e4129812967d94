"""Loads the YAML corpora next to this file into the values the guardrails take."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from guardrails.patch import FileChange
from guardrails.policy import Policy, parse_policy

CORPUS = Path(__file__).parent / "corpus"


def load(name: str) -> Any:
    return yaml.safe_load((CORPUS / name).read_text(encoding="utf-8"))


@dataclass
class PatchCase:
    name: str
    changes: list[FileChange]
    policy: Policy
    scope: dict[str, list[str]]
    exception_type: str
    allowed: bool
    reasons: list[str]


def _apply(text: str, edits: list[dict[str, str]], where: str) -> str:
    for edit in edits:
        # A corpus edit that matches nothing (or twice) would silently test the wrong thing.
        count = text.count(edit["old"])
        if count != 1:
            raise AssertionError(f"{where}: edit {edit['old']!r} matches {count} times")
        text = text.replace(edit["old"], edit["new"])
    return text


def _change(spec: dict[str, Any], sources: dict[str, str], where: str) -> FileChange:
    before = sources[spec["base"]] if "base" in spec else spec.get("before")
    if spec.get("deleted"):
        after = None
    elif "after" in spec:
        after = spec["after"]
    else:
        after = _apply(before or "", spec.get("edits", []), f"{where} {spec['path']}")
    return FileChange(spec["path"], before, after)


def patch_cases() -> list[PatchCase]:
    sources = load("sources.yaml")
    cases = []
    for raw in load("patches.yaml"):
        policy = parse_policy(raw["policy_file"]) if "policy_file" in raw else Policy(
            **raw.get("policy", {})
        )
        cases.append(
            PatchCase(
                name=raw["name"],
                changes=[_change(f, sources, raw["name"]) for f in raw["files"]],
                policy=policy,
                scope=raw.get("scope", {}),
                exception_type=raw.get("exception_type", ""),
                allowed=raw["allowed"],
                reasons=raw.get("reasons", []),
            )
        )
    return cases
