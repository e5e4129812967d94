"""The blind cases (evals/blind): specs, the committed folders, and (slow) the proof that
each judge passes the known-good fix and refuses the wrong ones."""

from __future__ import annotations

import json
import tomllib
from collections import Counter
from pathlib import Path

import pytest

from evals.blind.__main__ import check
from evals.blind.folder import build_script
from evals.blind.model import Edit
from evals.blind.specs import CASES
from evals.cases_io import DEFAULT_CASES, load_case

IDS = [c.id for c in CASES]
BY_ID = {c.id: c for c in CASES}


def test_mix_of_sources_and_bug_shapes() -> None:
    assert len(CASES) >= 8 and len(set(IDS)) == len(IDS)
    sources = Counter(c.source for c in CASES)
    assert sources["ci"] >= 3 and sources["sentry"] >= 3
    tags = Counter(t for c in CASES for t in c.tags)
    assert tags["multi-site"] >= 4 and tags["wrong-literal"] >= 4
    assert any(c.culprit < len(c.commits) for c in CASES)


@pytest.mark.parametrize("case_id", IDS)
def test_committed_folder_matches_the_spec(case_id: str) -> None:
    case = BY_ID[case_id]
    case.validate()
    folder = DEFAULT_CASES / case_id
    spec = load_case(folder)
    meta = tomllib.loads((folder / "case.toml").read_text(encoding="utf-8"))
    assert meta["origin"] == "blind" and spec.source == case.source
    assert (folder / "build.sh").read_text(encoding="utf-8") == build_script(case)
    assert (folder / "judge" / "test_judge.py").read_text(encoding="utf-8") == case.judge
    assert len(spec.expected.culprit) == 40 and spec.expected.files == list(case.files)
    body = json.loads((folder / "alert.json").read_text(encoding="utf-8"))
    if case.source == "ci":
        assert body["check_run"]["conclusion"] == "failure"
        assert body["check_run"]["output"]["text"].startswith("FAILED tests/")
    else:
        frames = body["data"]["event"]["exception"]["values"][-1]["stacktrace"]["frames"]
        assert frames and all(f["abs_path"].startswith("/srv/app/") for f in frames)


def test_edit_insists_on_the_expected_count(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x = ()\ny = ()\n", encoding="utf-8")
    with pytest.raises(ValueError, match="occurs 2x"):
        Edit("a.py", "()", "[]").apply(tmp_path)
    Edit("a.py", "()", "[]", count=2).apply(tmp_path)
    assert (tmp_path / "a.py").read_text(encoding="utf-8") == "x = []\ny = []\n"


@pytest.mark.slow
@pytest.mark.parametrize("case_id", IDS)
def test_judge_separates_the_fix_from_wrong_fixes(case_id: str) -> None:
    assert check(BY_ID[case_id], DEFAULT_CASES) == []
