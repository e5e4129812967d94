"""Alert text rendered as Markdown stays inert: one fence, no live links, mentions or HTML."""

from __future__ import annotations

import random
import re
from html.parser import HTMLParser
from typing import Any

import pytest
from markdown_it import MarkdownIt

from guardrails.untrusted import fence, inline, neutralise, neutralise_line, suspicious_instructions
from tests.guardrails.corpus_loader import load

CASES = load("hostile_alerts.yaml")["fence"]
MD = MarkdownIt("commonmark")  # html on: the strictest test of what gets through
INERT = {"p", "pre", "code"}


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def live_elements(markdown: str) -> list[str]:
    """Elements other than paragraphs and code in the rendered HTML, and any links or sources."""
    parser = _Tags()
    parser.feed(MD.render(markdown))
    return [
        tag for tag, attrs in parser.tags
        if tag not in INERT or any(n in ("href", "src") or n.startswith("on") for n, _ in attrs)
    ]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_fence_is_one_inert_block(case: dict[str, Any]) -> None:
    fenced = fence(case["text"])
    tokens = [t for t in MD.parse(fenced) if t.type in ("fence", "code_block", "html_block")]
    assert len(tokens) == 1 and tokens[0].type == "fence"
    assert tokens[0].content == neutralise(case["text"]).rstrip("\n") + "\n"
    assert fenced.splitlines()[0].startswith("alert text (untrusted data")
    assert live_elements(fenced) == []


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_neutralised_text_renders_nothing_live_even_unfenced(case: dict[str, Any]) -> None:
    assert live_elements(neutralise(case["text"])) == []
    html = MD.render(neutralise(case["text"]))
    assert not re.search(r"(?<![\w\uff20])@[A-Za-z]", html)  # no mention GitHub would notify
    assert not re.search(r"#\d", html)  # no cross-reference to an issue
    assert not re.search(r"[\u200b\u202e\u2066\x1b]", html)  # nothing hidden from the reviewer


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_injection_phrases_are_reported(case: dict[str, Any]) -> None:
    assert suspicious_instructions(case["text"]) == case["injection"]


def test_no_backtick_run_can_close_the_fence() -> None:
    rng = random.Random(3)
    for _ in range(200):
        pieces = ["`", "``", "```", "````", "~~~", "\n", "x", " "]
        text = "".join(rng.choice(pieces) for _ in range(40))
        tokens = [t for t in MD.parse(fence(text)) if t.type == "fence"]
        assert len(tokens) == 1
        assert tokens[0].content == neutralise(text).rstrip("\n") + "\n"


def test_fence_redacts_truncates_and_sanitises_its_label() -> None:
    fenced = fence("mail bob@example.com " + "x" * 50, label="frame `vars`\n@team", max_chars=30)
    assert "bob@example.com" not in fenced and "[REDACTED:email]" in fenced
    assert "[truncated: " in fenced
    assert fenced.splitlines()[0].startswith("frame 'vars' \uff20team (untrusted")


def test_single_line_forms() -> None:
    raw = "KeyError: *boom* in <b>cart</b> by @bob\nsee https://x.io " + "y" * 99
    title = neutralise_line(raw, 120)
    assert "\n" not in title and len(title) == 120 and title.endswith("y…")
    assert r"\*boom\*" in title and "\u2039b\u203a" in title and "\uff20bob" in title
    assert r"https\[:\]//" in title
    assert inline("a `b` c") == "a 'b' c"


def test_the_corpus_is_hostile_before_neutralising() -> None:
    # Without this, the inertness tests above could pass on harmless text.
    html_case = next(c for c in CASES if c["name"].startswith("HTML"))
    assert {"img", "script", "a"} <= set(live_elements(html_case["text"]))
    fake_fence = next(c for c in CASES if c["name"].startswith("a fake end"))
    naive = "```text\n" + fake_fence["text"] + "```"
    assert len([t for t in MD.parse(naive) if t.type == "fence"]) > 1
