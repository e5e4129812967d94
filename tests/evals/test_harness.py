"""The eval harness: scorers, case loading, reports, exit codes, and two real cases end to end.

Fixtures (tests/evals/fixtures): `shop-guest-keyerror` (build.sh; the skeleton fixes it) and
`stats-empty-mean` (repo.bundle; a ZeroDivisionError no template handles).
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path
from xml.etree import ElementTree

import git
import pytest

from evals import scorers
from evals.cases_io import (
    CaseError,
    build_repository,
    discover,
    hide_later_refs,
    load_case,
    select,
)
from evals.harness import eval_command, run_case
from evals.recorded_api import complete_payload, recorded_file
from evals.report import (
    CaseResult,
    compare,
    junit_xml,
    load_results,
    make_results,
    markdown,
)
from tools import vcs
from tools.monitors import parse_alert
from tools.sandbox import SubprocessSandbox

FIXTURES = Path(__file__).parent / "fixtures"
FIXED_CASE = "shop-guest-keyerror"
UNFIXABLE_CASE = "stats-empty-mean"
KEYERROR_CULPRIT = "24e6b25dacc2035f32b19ed116fe279e6bbbe888"


# ---------------------------------------------------------------- scorers


def test_rca_rank_matches_abbreviated_shas_and_ignores_missing_culprits() -> None:
    suspects = ["a" * 40, KEYERROR_CULPRIT, "b" * 40]
    assert scorers.rca_rank(KEYERROR_CULPRIT, suspects) == 2
    assert scorers.rca_rank(KEYERROR_CULPRIT[:10], suspects) == 2
    assert scorers.rca_rank(KEYERROR_CULPRIT, [KEYERROR_CULPRIT[:8]]) == 1
    assert scorers.rca_rank("24e6", suspects) is None  # too short to mean one commit
    assert scorers.rca_rank("", suspects) is None
    assert scorers.rca_rank("c" * 40, suspects) is None


BEFORE = '''\
LIMIT = 3


class Cart:
    def total(self, items):
        return sum(items)

    def count(self, items):
        return len(items)


def helper(x):
    def inner(y):
        return y
    return inner(x)
'''


def test_changed_functions_places_edits_in_the_functions_that_hold_them() -> None:
    edited = BEFORE.replace("return sum(items)", "return sum(items or [])")
    assert scorers.changed_functions(BEFORE, edited) == {"Cart.total"}
    inserted = BEFORE.replace("    return inner(x)\n", "    if x is None:\n        return 0\n"
                                                        "    return inner(x)\n")
    assert scorers.changed_functions(BEFORE, inserted) == {"helper"}
    module_level = BEFORE.replace("LIMIT = 3", "LIMIT = 4")
    assert scorers.changed_functions(BEFORE, module_level) == {None}
    # A name imported for the fix is part of the fix, not a change elsewhere.
    with_import = "from datetime import timezone\n" + edited
    assert scorers.changed_functions(BEFORE, with_import) == {"Cart.total"}


def test_localized_needs_the_expected_file_and_only_expected_functions() -> None:
    edited = BEFORE.replace("return sum(items)", "return sum(items or [])")
    assert scorers.is_localized("shop/cart.py", BEFORE, edited, ["shop/cart.py"], ["Cart.total"])
    assert scorers.is_localized("shop/cart.py", BEFORE, edited, ["shop/cart.py"], ["total"])
    assert scorers.is_localized("shop/cart.py", BEFORE, edited, ["shop/cart.py"], [])
    assert not scorers.is_localized("shop/cart.py", BEFORE, edited, ["shop/other.py"],
                                    ["Cart.total"])
    assert not scorers.is_localized("shop/cart.py", BEFORE, edited, ["shop/cart.py"],
                                    ["Cart.count"])
    both = edited.replace("LIMIT = 3", "LIMIT = 4")
    assert not scorers.is_localized("shop/cart.py", BEFORE, both, ["shop/cart.py"],
                                    ["Cart.total"])
    nested = BEFORE.replace("        return y", "        return y or 0")
    assert scorers.is_localized("shop/cart.py", BEFORE, nested, ["shop/cart.py"], ["helper"])


_SUMMARY_FIXES = {
    # what the judge wants: the product rule for a day without orders
    "fixed": ("    return {\"orders\": len(values), \"mean\": round(mean(values), 2)}",
              "    if not values:\n        return {\"orders\": 0, \"mean\": None}\n"
              "    return {\"orders\": len(values), \"mean\": round(mean(values), 2)}"),
    # the crash is gone and the repository's tests pass, but the rule is not met
    "plausible": ("    return sum(values) / len(values)",
                  "    return sum(values) / len(values) if values else 0.0"),
    # breaks the repository's own test
    "unfixed": ("    return sum(values) / len(values)", "    return 0.0"),
}


@pytest.mark.slow
@pytest.mark.parametrize("verdict", sorted(_SUMMARY_FIXES))
def test_judge_branch_tells_fixed_from_plausible_from_unfixed(tmp_path: Path,
                                                              verdict: str) -> None:
    case = load_case(FIXTURES / UNFIXABLE_CASE)
    repo = git.Repo(build_repository(case, tmp_path / "origin"))
    source = (Path(repo.working_dir) / "stats" / "summary.py").read_text()
    old, new = _SUMMARY_FIXES[verdict]
    assert old in source
    vcs.commit_on_branch(repo, "alertfix/try", repo.head.commit.hexsha,
                         {"stats/summary.py": source.replace(old, new)}, "try a fix")
    judged = scorers.judge_branch(
        str(repo.working_dir), "alertfix/try", case.judge_dir, case.judge.argv(),
        case.judge.timeout_s, case.repo.test_argv() or [], 120, tmp_path / "judged",
        SubprocessSandbox())
    assert judged.verdict == verdict
    if verdict != "fixed":
        assert judged.detail.startswith("judge failed: judge/test_judge.py::")


# ---------------------------------------------------------------- case folders


def _copy_case(name: str, into: Path) -> Path:
    return Path(shutil.copytree(FIXTURES / name, into / name))


def test_fixture_cases_load_and_build(tmp_path: Path) -> None:
    assert [f.name for f in discover(FIXTURES)] == [FIXED_CASE, UNFIXABLE_CASE]
    assert discover(FIXTURES / FIXED_CASE) == [FIXTURES / FIXED_CASE]
    shop = load_case(FIXTURES / FIXED_CASE)
    assert (shop.source, shop.repo.path_prefix, shop.judge.timeout_s) == ("sentry", "/srv/app/",
                                                                          60)
    built = build_repository(shop, tmp_path / "shop")  # build.sh
    assert (built / "shop" / "pricing.py").is_file() and not (built / "judge").exists()
    stats = load_case(FIXTURES / UNFIXABLE_CASE)
    assert stats.alert == "alert.json"  # the default
    assert stats.repo.test_argv() == ["python", "-m", "pytest", "-q", "-p", "no:cacheprovider",
                                      "tests"]
    bundled = build_repository(stats, tmp_path / "stats")  # repo.bundle
    assert (bundled / "stats" / "summary.py").is_file()
    assert not git.Repo(bundled).remotes  # no path back to the case folder


def test_refs_made_after_the_alert_are_hidden(tmp_path: Path) -> None:
    repo = git.Repo(build_repository(load_case(FIXTURES / FIXED_CASE), tmp_path / "shop"))
    who = {f"GIT_{role}_{field}": value for role in ("AUTHOR", "COMMITTER")
           for field, value in (("NAME", "Dee"), ("EMAIL", "dee@example.com"))}
    later = {**who, "GIT_COMMITTER_DATE": "2026-11-21T08:00:00+00:00",
             "GIT_AUTHOR_DATE": "2026-11-21T08:00:00+00:00"}
    repo.git.tag("-a", "deploy-3", "-m", "environment=production", env=later)
    repo.git.checkout("-q", "-b", "hotfix")
    repo.git.commit("--allow-empty", "-q", "-m", "the fix, made later", env=later)
    repo.git.checkout("-q", "main")
    removed = hide_later_refs(repo, datetime(2026, 11, 20, 10, 15, tzinfo=UTC), keep="main")
    assert sorted(removed) == ["refs/heads/hotfix", "refs/tags/deploy-3"]
    assert [t.name for t in repo.tags] == ["deploy-1", "deploy-2"]


def test_malformed_case_folders_are_reported_not_raised(tmp_path: Path) -> None:
    case = _copy_case(FIXED_CASE, tmp_path)
    toml = case / "case.toml"
    good = toml.read_text()
    toml.write_text(good.replace('source = "sentry"\n', ""))
    with pytest.raises(CaseError, match="source: Field required"):
        load_case(case)
    toml.write_text(good.replace(f'id = "{FIXED_CASE}"', 'id = "another"'))
    with pytest.raises(CaseError, match="folder name"):
        load_case(case)
    result = run_case(case)
    assert result.status == "error" and result.error and "case.toml" in result.error
    with pytest.raises(CaseError, match="no such case: nope"):
        select(discover(FIXTURES), ["nope"])


# ---------------------------------------------------------------- reports


def _result(case_id: str, status: str, **fields: object) -> CaseResult:
    return CaseResult.model_validate({"id": case_id, "source": "sentry", "status": status,
                                      **fields})


def test_totals_markdown_and_junit_count_each_status() -> None:
    results = make_results([
        _result("b", "unfixed", tags=["KeyError"], rca_rank=2, seconds=4.0, note="judge failed"),
        _result("a", "fixed", tags=["KeyError", "regression"], rca_rank=1, seconds=2.0,
                localized=True, strategy="template:key-get", lines_changed=2, candidates=3),
        _result("c", "error", source="pagerduty", error="AlertParseError: unknown | source"),
        _result("d", "plausible", rca_rank=4, seconds=6.0),
    ])
    t = results.totals
    assert [c.id for c in results.cases] == ["a", "b", "c", "d"]
    assert (t.cases, t.fixed, t.plausible, t.unfixed, t.error) == (4, 1, 1, 1, 1)
    assert (t.rca_top1, t.rca_top3, t.median_seconds) == (1, 2, 4.0)
    assert "note" not in results.model_dump()["cases"][0]  # results.json keeps to the schema

    report = markdown(results)
    assert "**1/4 fixed** (25%)" in report
    assert "| KeyError | 2 | 1 (50%) | 0 | 1 | 0 | 1 | 2 |" in report
    assert "| pagerduty | 1 | 0 (0%) | 0 | 0 | 1 | 0 | 0 |" in report
    assert "| (untagged) | 2 |" in report
    assert "AlertParseError: unknown \\| source" in report  # a pipe cannot break the table
    assert "| a | sentry | ✅ fixed | 1 | yes | template:key-get | 2 | 3 | 2.0 |" in report

    suite = ElementTree.fromstring(junit_xml(results)).find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("4", "2", "1")
    verdicts = {c.get("name"): [child.tag for child in c] for c in suite.iter("testcase")}
    assert verdicts == {"a": [], "b": ["failure"], "c": ["error"], "d": ["failure"]}


def test_baseline_compares_the_cases_both_runs_have() -> None:
    before = make_results([_result("a", "fixed"), _result("b", "fixed"), _result("z", "fixed")])
    now = make_results([_result("a", "fixed"), _result("b", "unfixed"), _result("c", "fixed")])
    diff = compare(now, before)
    assert (diff.compared, diff.fixed_before, diff.fixed_now) == (2, 2, 1)
    assert diff.regressed and diff.no_longer_fixed == ["b"] and diff.not_run == ["z"]
    better = compare(before, now)
    assert not better.regressed and better.newly_fixed == ["b"]
    assert "no longer fixed: b" in markdown(now, diff)


# ---------------------------------------------------------------- the command


def test_a_case_that_cannot_build_is_an_error_and_fails_the_run(tmp_path: Path) -> None:
    cases = tmp_path / "cases"
    case = _copy_case(FIXED_CASE, cases)
    (case / "build.sh").write_text("#!/bin/sh\necho 'no git here' >&2\nexit 3\n")
    out = tmp_path / "out"
    assert eval_command(cases, [], 1, out, None) == 1
    result = json.loads((out / "results.json").read_text())["cases"][0]
    assert result["status"] == "error"
    assert result["error"] == "build.sh exited 3: no git here"
    assert (out / "report.md").is_file() and (out / "junit.xml").is_file()


def test_the_command_refuses_unknown_cases_and_unreadable_baselines(tmp_path: Path) -> None:
    assert eval_command(FIXTURES, ["nope"], 1, tmp_path / "out", None) == 2
    assert eval_command(tmp_path / "empty", [], 1, tmp_path / "out", None) == 2
    bad = tmp_path / "baseline.json"
    bad.write_text('{"cases": 3}')
    assert eval_command(FIXTURES, [], 1, tmp_path / "out", bad) == 2
    assert not (tmp_path / "out").exists()  # nothing ran


@pytest.fixture(scope="module")
def fixture_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, Path]:
    out = tmp_path_factory.mktemp("eval-out")
    # A baseline in which nothing was fixed: any outcome now is at least as good.
    baseline = out / "baseline.json"
    baseline.write_text(make_results([_result(FIXED_CASE, "unfixed"),
                                      _result(UNFIXABLE_CASE, "unfixed")]).model_dump_json())
    return eval_command(FIXTURES, [], 2, out, baseline), out


@pytest.mark.slow
def test_both_fixture_cases_end_to_end_in_parallel(fixture_run: tuple[int, Path]) -> None:
    code, out = fixture_run
    assert code == 0  # unfixed is not an error
    results = load_results(out / "results.json")
    by_id = {c.id: c for c in results.cases}
    fixed = by_id[FIXED_CASE]
    assert fixed.status == "fixed"
    assert (fixed.rca_rank, fixed.localized, fixed.strategy) == (1, True, "template:key-get")
    assert fixed.lines_changed > 0 and fixed.candidates >= 1 and fixed.seconds > 0
    assert (fixed.tokens, fixed.error, fixed.tags) == (0, None, ["KeyError", "regression"])
    unfixable = by_id[UNFIXABLE_CASE]
    # The engine may make the crash go away (plausible) but cannot know the product rule.
    assert unfixable.status in ("plausible", "unfixed")
    assert unfixable.rca_rank == 1  # an abbreviated culprit still ranks
    if unfixable.strategy is None:
        assert (unfixable.lines_changed, unfixable.localized) == (0, False)
    totals = results.totals
    assert (totals.cases, totals.fixed, totals.plausible + totals.unfixed, totals.error) == (
        2, 1, 1, 0)
    report = (out / "report.md").read_text()
    assert "**1/2 fixed** (50%)" in report
    assert "Baseline: 0 → 1 fixed on the 2 cases both runs have (no regression)." in report
    assert f"- newly fixed: {FIXED_CASE}" in report
    row = next(line for line in report.splitlines() if line.startswith(f"| {UNFIXABLE_CASE} "))
    assert row.rstrip(" |").split("|")[-1].strip()  # says why it is not fixed
    suite = ElementTree.parse(out / "junit.xml").getroot().find("testsuite")
    assert suite is not None and (suite.get("failures"), suite.get("errors")) == ("1", "0")


@pytest.mark.slow
def test_fewer_fixed_cases_than_the_baseline_fail_the_run(fixture_run: tuple[int, Path],
                                                          tmp_path: Path) -> None:
    _, out = fixture_run
    claimed = json.loads((out / "results.json").read_text())
    for case in claimed["cases"]:
        case["status"] = "fixed"  # a baseline in which the unfixable case was fixed
    baseline = tmp_path / "baseline.json"
    baseline.write_text(json.dumps(claimed))
    rerun = tmp_path / "rerun"
    assert eval_command(FIXTURES, [UNFIXABLE_CASE], 1, rerun, baseline) == 1
    report = (rerun / "report.md").read_text()
    assert f"no longer fixed: {UNFIXABLE_CASE}" in report
    assert f"in the baseline but not run: {FIXED_CASE}" in report


# ---------------------------------------------------------------- recorded API answers


def test_recorded_answers_complete_a_pagerduty_webhook_through_the_real_client(
        tmp_path: Path) -> None:
    api = tmp_path / "api"
    answer = api / "pagerduty" / "incidents" / "Q1ABC" / "alerts.json"
    answer.parent.mkdir(parents=True)
    traceback = ('Traceback (most recent call last):\n'
                 '  File "/srv/app/shop/pricing.py", line 8, in loyalty_factor\n'
                 '    tier = customer["tier"]\n'
                 "KeyError: 'tier'\n")
    answer.write_text(json.dumps({"alerts": [{"id": "A1", "body": {"details": {
        "traceback": traceback, "environment": "production"}}}], "more": False}))
    webhook = {"event": {"id": "E1", "event_type": "incident.triggered",
                         "resource_type": "incident", "occurred_at": "2026-11-20T10:15:00Z",
                         "data": {"id": "Q1ABC", "type": "incident", "title": "KeyError",
                                  "service": {"id": "S1", "summary": "shop"}}}}
    completed = complete_payload("pagerduty", webhook, api)
    assert completed["alerts"][0]["body"]["details"]["traceback"] == traceback
    alert = parse_alert("pagerduty", completed)
    assert (alert.exception_type, alert.frames[-1].function) == ("KeyError", "loyalty_factor")
    assert complete_payload("sentry", webhook, api) is webhook  # nothing recorded to join
    assert recorded_file(api, "/pagerduty/incidents/Q1ABC/alerts?limit=25") == answer.resolve()
    assert recorded_file(api, "/pagerduty/../../case.toml") is None
    assert recorded_file(api, "/pagerduty/incidents/NOPE/alerts") is None


@pytest.mark.slow
def test_a_case_with_its_own_environment_runs_and_is_judged_in_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`[repo] python` and `setup` reach the product's environment: the judge imports a
    module only the case's setup command installs, so "fixed" means it ran in there."""
    monkeypatch.setenv("ALERTFIX_ENV_CACHE", str(tmp_path / "envs"))
    case = _copy_case(FIXED_CASE, tmp_path)
    setup = ("python -c \"import pathlib, sysconfig; pathlib.Path(sysconfig.get_paths()"
             "['purelib'], 'casehelper.py').write_text('READY = True')\"")
    toml = case / "case.toml"
    toml.write_text(toml.read_text().replace(
        'path_prefix = "/srv/app/"\n',
        f"path_prefix = \"/srv/app/\"\npython = \"3.11\"\nsetup = '''{setup}'''\n"))
    judge = case / "judge" / "test_judge.py"
    judge.write_text("import casehelper\n\nassert casehelper.READY\n" + judge.read_text())
    spec = load_case(case)
    assert (spec.repo.python, spec.repo.setup_command()) == ("3.11", setup)
    result = run_case(case)
    assert result.status == "fixed", result
    built = [p for p in (tmp_path / "envs").glob("*/.alertfix-ready")]
    assert len(built) == 1
    assert (built[0].parent / "lib" / "python3.11" / "site-packages" / "casehelper.py").exists()
