"""The import direction of DESIGN.md: tools and prompts are leaves; guardrails may use
tools.ports; agent uses them all; evals uses agent."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ALLOWED = {
    "tools": {"tools"},
    "prompts": {"prompts"},
    "guardrails": {"guardrails", "tools.ports"},
    "agent": {"agent", "tools", "prompts", "guardrails"},
    "evals": {"evals", "agent", "tools", "prompts", "guardrails"},
}
# The CLI is the composition root: `alertfix eval` runs the harness.
EXCEPTIONS = {"agent/cli.py": {"evals"}}


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return {name for name in found if name.split(".")[0] in ALLOWED}


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_import_direction(package: str) -> None:
    wrong = []
    for path in sorted((ROOT / package).rglob("*.py")):
        allowed = ALLOWED[package] | EXCEPTIONS.get(str(path.relative_to(ROOT)), set())
        if "cases" in path.relative_to(ROOT).parts:
            continue  # evaluation cases are service code, not alertfix
        for name in _imports(path):
            if not any(name == a or name.startswith(a + ".") for a in allowed):
                wrong.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not wrong, "\n".join(wrong)
