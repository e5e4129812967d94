"""Check a generated case folder against its spec by actually running it.

- `case.toml` has the fields of the case format and agrees with the spec;
- `build.sh` builds a repository whose head carries the last `deploy-<n>` tag
  (annotated, `environment=...` first line, tagger date = deploy time) and whose
  culprit sha is the one recorded;
- the repository's own tests pass at head (ci cases: they fail);
- the hidden judge fails at head and passes once the spec's known-good fix is applied
  (the repository's tests pass then too);
- for feature-bundled cases, a full revert of the culprit commit fails the judge.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from evals.generate import alerts
from evals.generate.repo import Built, git, run_build
from evals.generate.spec import Case, apply_edits

REQUIRED_TOP = {"id", "title", "source", "alert", "received_at", "tags"}


def check_structure(case: Case, folder: Path) -> list[str]:
    """Cheap checks that need no subprocess."""
    problems: list[str] = []
    meta = tomllib.loads((folder / "case.toml").read_text(encoding="utf-8"))
    missing = REQUIRED_TOP - set(meta)
    if missing:
        problems.append(f"case.toml lacks {sorted(missing)}")
    if meta.get("id") != folder.name or meta.get("id") != case.id:
        problems.append("id differs from folder name / spec")
    if meta.get("source") != case.source:
        problems.append("source differs from spec")
    for section, keys in (
        ("repo", {"default_branch"}),
        ("expected", {"culprit", "files", "functions"}),
        ("judge", {"command", "timeout_s"}),
    ):
        if not keys <= set(meta.get(section, {})):
            problems.append(f"[{section}] lacks {sorted(keys - set(meta.get(section, {})))}")
    if not (folder / "build.sh").is_file() or not os.access(folder / "build.sh", os.X_OK):
        problems.append("build.sh missing or not executable")
    if not (folder / "judge" / "test_judge.py").is_file():
        problems.append("judge/test_judge.py missing")
    body = json.loads((folder / meta.get("alert", "alert.json")).read_text(encoding="utf-8"))
    if case.source == "sentry":
        event = body["data"]["event"]
        frames = event["exception"]["values"][-1]["stacktrace"]["frames"]
        if body.get("action") != "triggered" or not event.get("issue_id"):
            problems.append("not a sentry event_alert body")
        for f in frames:
            if f.get("in_app") and not str(f.get("abs_path", "")).startswith(alerts.DEPLOY_PREFIX):
                problems.append(f"in-app frame outside the deploy prefix: {f.get('abs_path')}")
    elif case.source == "pagerduty":
        ev = body["event"]
        if ev.get("event_type") != "incident.triggered":
            problems.append("not an incident.triggered webhook")
        api = folder / "api" / "pagerduty" / "incidents" / ev["data"]["id"] / "alerts.json"
        if not api.is_file():
            problems.append("recorded alerts answer missing")
    else:
        run = body["check_run"]
        if body.get("action") != "completed" or run.get("conclusion") != "failure":
            problems.append("not a completed/failure check_run")
    text = "\n".join(
        p.read_text(encoding="utf-8", errors="replace")
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    )
    machine = {"/tmp/", "alertfix-gen-", str(Path.home()) + "/", sys.prefix, sys.base_prefix}
    for marker in sorted(machine):
        if marker in text:
            problems.append(f"machine-specific path {marker!r} leaked into the case")
    return problems


def _check_repo(case: Case, meta: dict[str, Any], built: Built) -> list[str]:
    problems: list[str] = []
    repo = built.path
    head = built.shas[-1]
    if len(built.shas) != len(case.commits):
        problems.append("the built history does not have the spec's commits")
    want_culprit = built.shas[case.culprit] if case.culprit is not None else ""
    if meta["expected"]["culprit"] != want_culprit:
        problems.append("expected.culprit is not the culprit commit's sha")
    if git(repo, "symbolic-ref", "--short", "HEAD").strip() != meta["repo"]["default_branch"]:
        problems.append("HEAD is not the default branch")
    tags = sorted(built.tags, key=lambda t: int(t.split("-")[1]))
    deployed = [i for i, c in enumerate(case.commits) if c.deploy]
    if [t.split("-")[1] for t in tags] != [str(n) for n in range(1, len(deployed) + 1)]:
        problems.append(f"deploy tags are not deploy-1..deploy-{len(deployed)}: {tags}")
    if not tags or built.tags[tags[-1]] != head:
        problems.append("the last deploy tag is not on head")
    for tag, index in zip(tags, deployed, strict=False):
        fmt = "%(objecttype) %(contents:subject) %(taggerdate:iso-strict)"
        line = git(repo, "for-each-ref", f"--format={fmt}", f"refs/tags/{tag}")
        kind, subject, when = line.split()
        if kind != "tag":
            problems.append(f"{tag} is not an annotated tag")
        if subject != f"environment={case.commits[index].deploy}":
            problems.append(f"{tag}: first line is {subject!r}")
        if built.tags[tag] != built.shas[index]:
            problems.append(f"{tag} is on the wrong commit")
        if datetime.fromisoformat(when) != case.deploy_time(index).replace(tzinfo=UTC):
            problems.append(f"{tag}: tagger date {when} is not the deploy time")
    last_subject = git(
        repo, "for-each-ref", "--format=%(contents:subject)", f"refs/tags/{tags[-1]}"
    )
    if last_subject.strip() != "environment=production":
        problems.append("the head deploy is not a production deploy")
    head_time = datetime.fromisoformat(git(repo, "log", "-1", "--format=%cI", head).strip())
    received = datetime.fromisoformat(meta["received_at"].replace("Z", "+00:00"))
    if head_time >= received:
        problems.append("head was committed after the alert")
    return problems


def _check_release(case: Case, folder: Path, body: dict[str, Any], head: str) -> list[str]:
    if case.source == "sentry":
        release = body["data"]["event"]["release"]
    elif case.source == "pagerduty":
        incident = body["event"]["data"]["id"]
        answer = folder / "api" / "pagerduty" / "incidents" / incident / "alerts.json"
        recorded = json.loads(answer.read_text(encoding="utf-8"))
        release = recorded["alerts"][0]["body"]["details"]["release"]
    else:
        release = body["check_run"]["head_sha"]
    return [] if release == head else [f"the alert names {release}, not the head {head}"]


def check_build(case: Case, folder: Path) -> list[str]:
    """Build the case's repository and check history, deploy tags, culprit and alert sha."""
    meta = tomllib.loads((folder / "case.toml").read_text(encoding="utf-8"))
    body = json.loads((folder / "alert.json").read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory(prefix="alertfix-verify-") as tmp:
        built = run_build(folder / "build.sh", Path(tmp) / "repo")
        return _check_repo(case, meta, built) + _check_release(case, folder, body, built.shas[-1])


def _fresh(folder: Path, tmp: Path, name: str) -> Path:
    return run_build(folder / "build.sh", tmp / name).path


def _copy_judge(folder: Path, repo: Path) -> None:
    shutil.copytree(folder / "judge", repo / "judge", dirs_exist_ok=True)


def check_behaviour(case: Case, folder: Path) -> list[str]:
    problems: list[str] = []
    meta = tomllib.loads((folder / "case.toml").read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory(prefix="alertfix-verify-") as tmp_s:
        tmp = Path(tmp_s)
        built = run_build(folder / "build.sh", tmp / "head")
        repo = built.path
        problems += _check_repo(case, meta, built)
        body = json.loads((folder / "alert.json").read_text(encoding="utf-8"))
        problems += _check_release(case, folder, body, built.shas[-1])

        own = alerts.run_pytest(repo)
        if case.source == "ci" and own.returncode == 0:
            problems.append("ci case: the repository's tests pass at head")
        if case.source != "ci" and own.returncode != 0:
            problems.append(f"the repository's tests fail at head:\n{own.stdout[-2000:]}")

        _copy_judge(folder, repo)
        judged = alerts.run_pytest(repo, "judge")
        if judged.returncode == 0:
            problems.append("the judge passes at head")

        tree = {e.path: (repo / e.path).read_text(encoding="utf-8") for e in case.fix}
        for path, body in apply_edits(tree, case.fix).items():
            (repo / path).write_text(body, encoding="utf-8")
        fixed = alerts.run_pytest(repo, "judge")
        if fixed.returncode != 0:
            problems.append(f"the judge fails on the known-good fix:\n{fixed.stdout[-2000:]}")
        shutil.rmtree(repo / "judge")
        own_fixed = alerts.run_pytest(repo)
        if own_fixed.returncode != 0:
            problems.append(f"the repository's tests fail on the fix:\n{own_fixed.stdout[-2000:]}")
        bad = set(case.files) - {e.path for e in case.fix}
        if not {e.path for e in case.fix} <= set(case.files):
            problems.append(f"the known-good fix leaves expected.files: {bad}")

        if case.feature_test and case.culprit is not None:
            rev = _fresh(folder, tmp, "revert")
            env_user = ["-c", "user.name=Revert Check", "-c", "user.email=revert@example.invalid"]
            culprit_sha = built.shas[case.culprit]
            try:
                git(rev, *env_user, "revert", "--no-edit", culprit_sha)
            except subprocess.CalledProcessError:
                # Later commits touched the same lines: restore every file the culprit
                # changed to its state before the culprit (a revert and then some).
                git(rev, "revert", "--abort")
                changed = git(rev, "diff", "--name-only", f"{culprit_sha}^", culprit_sha).split()
                for path in changed:
                    try:
                        git(rev, "checkout", f"{culprit_sha}^", "--", path)
                    except subprocess.CalledProcessError:  # added by the culprit
                        git(rev, "rm", "-q", "-f", "--", path)
            _copy_judge(folder, rev)
            if alerts.run_pytest(rev, "judge").returncode == 0:
                problems.append("a full revert of the culprit passes the judge")
    return problems
