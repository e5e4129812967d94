"""The incident-case generator and the corpus it wrote to evals/cases/.

Fast tests check every case structurally and build every repository; the known-good fix
and judge behaviour run on a sample. `@pytest.mark.slow` tests run the whole corpus and
compare a full regeneration with the committed folders.
"""

from __future__ import annotations

import json
import tomllib
from collections import Counter
from pathlib import Path

import pytest

from evals.generate import all_cases, get_case
from evals.generate.repo import build_script
from evals.generate.spec import Case
from evals.generate.verify import check_behaviour, check_build, check_structure
from evals.generate.writer import write_case

CASES_DIR = Path(__file__).resolve().parents[2] / "evals" / "cases"
CASES = all_cases()
IDS = [c.id for c in CASES]
# one per source; the sentry one has a feature-bundled culprit (a full revert fails the judge)
SAMPLE = [
    "scheduler-cron-step-valueerror",
    "billing-dunning-env-keyerror",
    "reports-ci-page-count",
]
DETERMINISM = ["search-facets-mixed-types-sort", "inventory-picking-rename-nameerror"]
BUG_CLASSES = {
    "none-handling", "missing-key", "empty-collection", "bounds", "types", "rename",
    "configuration", "timezone", "parsing", "off-by-one", "wrong-operator", "dict-mutation",
    "recursion",
}
ALLOWED = {"case.toml", "build.sh", "alert.json", "api", "judge"}


def _tree(root: Path) -> dict[str, bytes]:
    files = sorted(p for p in root.rglob("*") if p.is_file())
    return {str(p.relative_to(root)): p.read_bytes() for p in files}


def test_corpus_mix() -> None:
    assert len(CASES) >= 40
    by_source = Counter(c.source for c in CASES)
    assert by_source["sentry"] >= 25 and by_source["pagerduty"] >= 5 and by_source["ci"] >= 5
    tags = Counter(t for c in CASES for t in c.tags)
    assert set(tags) >= BUG_CLASSES, BUG_CLASSES - set(tags)
    assert tags["hard"] >= 6
    assert tags["predates-history"] >= 2
    assert tags["feature-bundled"] >= 2
    assert len({c.service for c in CASES}) >= 7
    for case in CASES:
        case.validate()
        if case.source == "ci":
            assert "off-by-one" in case.tags or "wrong-operator" in case.tags


def test_committed_folders_match_the_specs() -> None:
    # evals/cases also holds cases written by hand or by other converters (each says so in its
    # case.toml's `origin`); every generated one must be there.
    on_disk = {p.name for p in CASES_DIR.iterdir() if p.is_dir()}
    assert set(IDS) <= on_disk
    for other in sorted(on_disk - set(IDS)):
        meta = tomllib.loads((CASES_DIR / other / "case.toml").read_text(encoding="utf-8"))
        assert meta.get("origin"), f"{other}: not generated and says no origin"


@pytest.mark.parametrize("case_id", IDS)
def test_case_structure(case_id: str) -> None:
    case = get_case(case_id)
    folder = CASES_DIR / case_id
    assert check_structure(case, folder) == []
    assert {p.name for p in folder.iterdir()} <= ALLOWED
    meta = tomllib.loads((folder / "case.toml").read_text(encoding="utf-8"))
    assert meta["alert"] == "alert.json" and meta["received_at"].endswith("Z")
    assert meta["repo"]["default_branch"] == "main"
    assert meta["expected"]["files"] and set(meta["expected"]["files"]) == set(case.files)
    assert meta["judge"]["command"] == "python -m pytest -q -p no:cacheprovider judge"
    if case.culprit is None:
        assert meta["expected"]["culprit"] == "" and "predates-history" in meta["tags"]
    else:
        assert len(meta["expected"]["culprit"]) == 40
    # the known-good fix is never written into the case folder
    assert not any("fix" in p.name.lower() for p in folder.rglob("*"))
    # build.sh is exactly what the spec generates
    assert (folder / "build.sh").read_text(encoding="utf-8") == build_script(case)


@pytest.mark.parametrize("case_id", IDS)
def test_case_alert_shape(case_id: str) -> None:
    case = get_case(case_id)
    body = json.loads((CASES_DIR / case_id / "alert.json").read_text(encoding="utf-8"))
    if case.source == "sentry":
        event = body["data"]["event"]
        frames = event["exception"]["values"][-1]["stacktrace"]["frames"]
        assert body["installation"]["uuid"] and body["actor"]["type"] == "application"
        assert event["environment"] == "production" and event["platform"] == "python"
        assert isinstance(event["timestamp"], float) and event["datetime"].endswith("Z")
        assert event["issue_url"].endswith(f"/issues/{event['issue_id']}/")
        assert event["web_url"].endswith(f"/events/{event['event_id']}/")
        assert any(f["in_app"] for f in frames)
        assert any("vars" in f for f in frames if f["in_app"])
        assert "/tmp" not in json.dumps(event) and "pyenv" not in json.dumps(event)
        assert ["release", event["release"]] in event["tags"]
    elif case.source == "pagerduty":
        data = body["event"]["data"]
        answer = CASES_DIR / case_id / "api" / "pagerduty" / "incidents" / data["id"]
        answer = answer / "alerts.json"
        details = json.loads(answer.read_text(encoding="utf-8"))["alerts"][0]["body"]["details"]
        assert body["event"]["event_type"] == "incident.triggered" and data["status"] == "triggered"
        assert details["traceback"].startswith("Traceback (most recent call last):")
        assert '  File "/srv/app/' in details["traceback"]
        assert details["log"]
    else:
        run = body["check_run"]
        outcome = (body["action"], run["status"], run["conclusion"])
        assert outcome == ("completed", "completed", "failure")
        assert run["check_suite"]["head_branch"] == "main"
        assert "Traceback" not in json.dumps(body)


@pytest.mark.parametrize("case_id", IDS)
def test_case_builds(case_id: str) -> None:
    assert check_build(get_case(case_id), CASES_DIR / case_id) == []


@pytest.mark.parametrize("case_id", SAMPLE)
def test_fix_passes_the_judge_sample(case_id: str) -> None:
    assert check_behaviour(get_case(case_id), CASES_DIR / case_id) == []


def test_generation_is_deterministic(tmp_path: Path) -> None:
    cases: list[Case] = [get_case(i) for i in DETERMINISM]
    assert {c.source for c in cases} == {"sentry", "pagerduty"}
    for case in cases:
        a = write_case(case, tmp_path / "a")
        b = write_case(case, tmp_path / "b")
        assert _tree(a) == _tree(b)
        assert _tree(a) == _tree(CASES_DIR / case.id), "evals/cases is stale: regenerate it"


@pytest.mark.slow
@pytest.mark.parametrize("case_id", IDS)
def test_full_corpus_behaviour(case_id: str) -> None:
    assert check_behaviour(get_case(case_id), CASES_DIR / case_id) == []


@pytest.mark.slow
def test_full_regeneration_matches_committed(tmp_path: Path) -> None:
    stale = {}
    for case in CASES:
        folder = write_case(case, tmp_path)
        fresh, committed = _tree(folder), _tree(CASES_DIR / case.id)
        if fresh != committed:
            stale[case.id] = sorted(k for k in fresh.keys() | committed.keys()
                                    if fresh.get(k) != committed.get(k))
    assert stale == {}, "evals/cases is stale or generation is not deterministic"
