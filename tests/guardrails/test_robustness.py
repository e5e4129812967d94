"""The gate never raises: odd, broken or hostile inputs become denials, not crashes."""

from __future__ import annotations

import random

from guardrails.patch import FileChange, check_patch
from guardrails.policy import Policy
from guardrails.verdict import Verdict
from tests.guardrails.corpus_loader import load

SOURCES = list(load("sources.yaml").values())
PATHS = ["app/orders.py", "tests/test_orders.py", "pyproject.toml", "ui/package.json",
         "setup.cfg", "requirements.txt", "tests/conftest.py", "README.md",
         "pytest.ini"]  # fmt: skip


def _mutate(rng: random.Random, text: str) -> str:
    chars = list(text)
    for _ in range(rng.randint(1, 20)):
        at = rng.randrange(len(chars) + 1)
        roll = rng.random()
        if roll < 0.4 and chars:
            del chars[min(at, len(chars) - 1)]
        elif roll < 0.8:
            chars.insert(at, rng.choice("()[]{}:='\"\n\t #@\\`-.,xyz0123456789"))
        else:
            chars[at:at] = rng.choice(SOURCES)[: rng.randint(0, 80)]
    return "".join(chars)


def test_mangled_files_of_every_kind_give_a_verdict() -> None:
    rng = random.Random(5)
    for _ in range(150):
        path = rng.choice(PATHS)
        before = rng.choice([*SOURCES, None])
        after = _mutate(rng, before or rng.choice(SOURCES))
        verdict = check_patch([FileChange(path, before, after)], Policy(), {path: ["total"]})
        assert isinstance(verdict, Verdict)


def test_pathologically_nested_code_fails_closed() -> None:
    chain = "x = " + "+".join(["a"] * 3000) + "\n"
    verdict = check_patch([FileChange("app/chain.py", "x = 1\n", chain)], Policy(), {})
    assert verdict.reasons == ("app/chain.py is too deeply nested to check after the patch",)


def test_hostile_file_names_are_printed_inert() -> None:
    verdict = check_patch([FileChange("app/<img src=x>@team.py", None, "x = 1\n")], Policy(), {})
    assert verdict.reasons == (
        "adds app/\u2039img src=x\u203a\uff20team.py; the root cause names nothing there",
    )
