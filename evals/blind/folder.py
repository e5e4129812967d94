"""Writing a blind case folder: build.sh, case.toml, judge/ and the alert.

The alert is made from a real run: the ci alert names the tests that fail at head, the
sentry alert is the event sentry-sdk captures when the crash runs at head.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import git

from evals.blind.model import Case, Commit
from evals.generate.writer import dump_json

EOF_MARK = "__BLIND_EOF__"
PREFIX = "/srv/app/"
ORG = "acme"


def _quote_heredoc(text: str) -> str:
    assert EOF_MARK not in text
    return f"<<'{EOF_MARK}'\n{text}{'' if text.endswith(chr(10)) else chr(10)}{EOF_MARK}\n"


def _commit_block(number: int, commit: Commit, deploys: int) -> tuple[str, int]:
    name, email = commit.author[:-1].split(" <")
    out = [f"\n# --- commit {number}: {commit.message.splitlines()[0]}\n"]
    for path, text in commit.files.items():
        if text is None:
            out.append(f"git rm -q {shlex.quote(path)}\n")
            continue
        parent = str(Path(path).parent)
        if parent != ".":
            out.append(f"mkdir -p {shlex.quote(parent)}\n")
        out.append(f"cat > {shlex.quote(path)} {_quote_heredoc(text)}")
    out.append(f"commit {shlex.quote(name)} {shlex.quote(email)} {commit.date} "
               f"{_quote_heredoc(commit.message)}")
    if commit.deploy:
        deploys += 1
        out.append(f"deploy {deploys} {commit.deploy}\n")
    return "".join(out), deploys


def build_script(case: Case) -> str:
    head = f"""#!/bin/sh
# Builds the {case.id} repository in "$1": {len(case.commits)} commits.
# Written by evals/blind (python -m evals.blind generate); edit the spec there, not this file.
set -eu
mkdir -p "$1"
cd "$1"
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 TZ=UTC LC_ALL=C
git init -q -b main .

commit() {{  # author name, author email, date; the message on stdin
    git add -A
    GIT_AUTHOR_NAME="$1" GIT_AUTHOR_EMAIL="$2" GIT_AUTHOR_DATE="$3" \\
    GIT_COMMITTER_NAME="$1" GIT_COMMITTER_EMAIL="$2" GIT_COMMITTER_DATE="$3" \\
        git -c commit.gpgsign=false commit -q --cleanup=verbatim -F -
}}

deploy() {{  # number, date: an annotated tag whose tagger date is the deploy time
    GIT_COMMITTER_NAME="Deploy Bot" GIT_COMMITTER_EMAIL="deploy-bot@{ORG}.test" \\
    GIT_COMMITTER_DATE="$2" git -c tag.gpgsign=false tag -a "deploy-$1" -m "environment=production
deployed {case.service} by the release pipeline"
}}
"""
    parts, deploys = [head], 0
    for number, commit in enumerate(case.commits, start=1):
        block, deploys = _commit_block(number, commit, deploys)
        parts.append(block)
    return "".join(parts)


def case_toml(case: Case, culprit_sha: str) -> str:
    def arr(items: tuple[str, ...]) -> str:
        return "[" + ", ".join(json.dumps(i) for i in items) + "]"

    prefix = f'path_prefix = "{PREFIX}"\n' if case.source == "sentry" else ""
    return f"""id = "{case.id}"
title = {json.dumps(case.title)}
origin = "blind"
source = "{case.source}"
alert = "alert.json"
received_at = "{case.received_at}"
tags = {arr(case.tags)}

[repo]
default_branch = "main"
{prefix}
[expected]
culprit = "{culprit_sha}"
files = {arr(case.files)}
functions = {arr(case.functions)}

[judge]
command = "python -m pytest -q -p no:cacheprovider judge"
timeout_s = 120
"""


def build_repo(script: Path, dest: Path) -> None:
    subprocess.run(["sh", str(script), str(dest)], check=True, capture_output=True)


def run_tests(root: Path, target: str = "") -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly"]
    return subprocess.run(argv + ([target] if target else []), cwd=root, capture_output=True,
                          text=True, timeout=300, check=False)


def _when(case: Case, seconds_before: int) -> datetime:
    at = datetime.fromisoformat(case.received_at.replace("Z", "+00:00"))
    return at - timedelta(seconds=seconds_before)


def _z(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def _number(case: Case, salt: str, digits: int) -> int:
    import hashlib

    digest = hashlib.sha256(f"{case.id}:{salt}".encode()).hexdigest()
    return int(digest, 16) % 10 ** digits + 10 ** (digits - 1)


def ci_alert(case: Case, head: str, failed: list[str], passed: int) -> dict[str, Any]:
    run, job, suite = (_number(case, s, d) for s, d in (("run", 10), ("job", 11), ("suite", 11)))
    repo_url = f"https://api.github.com/repos/{ORG}/{case.service}"
    job_url = f"https://github.com/{ORG}/{case.service}/actions/runs/{run}/job/{job}"
    actions = {"id": 15368, "slug": "github-actions", "name": "GitHub Actions",
               "owner": {"login": "github", "id": 9919, "type": "Organization"}}
    return {
        "action": "completed",
        "check_run": {
            "id": job, "name": "tests", "head_sha": head,
            "url": f"{repo_url}/check-runs/{job}", "html_url": job_url, "details_url": job_url,
            "status": "completed", "conclusion": "failure",
            "started_at": _z(_when(case, 70)), "completed_at": _z(_when(case, 20)),
            "output": {
                "title": f"pytest: {len(failed)} failed, {passed} passed",
                "summary": "Process completed with exit code 1.",
                "text": "\n".join(f"FAILED {t}" for t in failed),
                "annotations_count": len(failed),
                "annotations_url": f"{repo_url}/check-runs/{job}/annotations",
            },
            "check_suite": {"id": suite, "head_branch": "main", "head_sha": head,
                            "status": "completed", "conclusion": "failure",
                            "url": f"{repo_url}/check-suites/{suite}", "before": None,
                            "after": head, "pull_requests": [], "app": actions},
            "app": actions, "pull_requests": [],
        },
        "repository": {"id": _number(case, "repo", 9), "name": case.service,
                       "full_name": f"{ORG}/{case.service}", "private": True,
                       "owner": {"login": ORG, "id": 81234567, "type": "Organization"},
                       "html_url": f"https://github.com/{ORG}/{case.service}",
                       "url": repo_url, "default_branch": "main"},
        "organization": {"login": ORG, "id": 81234567, "url": f"https://api.github.com/orgs/{ORG}"},
        "sender": {"login": "github-actions[bot]", "id": 41898282, "type": "Bot"},
        "installation": {"id": 53854690},
    }


_CAPTURE = r'''
import json, sys
import sentry_sdk
from sentry_sdk.transport import Transport
events = []
class Keep(Transport):
    def capture_envelope(self, envelope):
        for item in envelope.items:
            if item.type == "event":
                events.append(item.payload.json)
sentry_sdk.init(dsn="https://public@o1.ingest.example.invalid/1", transport=Keep,
                include_local_variables=True, default_integrations=False,
                release=sys.argv[1], environment="production", server_name=sys.argv[2])
sys.path.insert(0, ".")
try:
    exec(compile(open(sys.argv[3]).read(), "<alert-trigger>", "exec"), {"__name__": "trigger"})
except Exception:
    sentry_sdk.capture_exception()
else:
    sys.exit("the crash did not raise")
sentry_sdk.flush()
print(json.dumps(events[0]))
'''


def capture_event(case: Case, root: Path, head: str) -> dict[str, Any]:
    """The event sentry-sdk sends when the crash runs at the repository's head."""
    with tempfile.TemporaryDirectory() as tmp:
        runner, crash = Path(tmp, "capture.py"), Path(tmp, "crash.py")
        runner.write_text(_CAPTURE, encoding="utf-8")
        crash.write_text(case.crash, encoding="utf-8")
        done = subprocess.run([sys.executable, str(runner), head, f"{case.service}-1",
                               str(crash)], cwd=root, capture_output=True, text=True,
                              timeout=120, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{case.id}: capture failed: {done.stderr[-800:]}")
    event: dict[str, Any] = json.loads(done.stdout)
    real = str(root.resolve()) + "/"
    for value in event["exception"]["values"]:
        # Keep the service's frames: the trigger script stands in for the web or job
        # entry point, which production events show as library frames at most.
        frames = [f for f in value["stacktrace"]["frames"]
                  if f.get("abs_path", "").startswith(real)
                  and not f.get("filename", "").startswith("<")]
        for frame in frames:
            frame["abs_path"] = PREFIX + frame["abs_path"][len(real):]
        value["stacktrace"]["frames"] = frames
    text = json.dumps(event).replace(real, PREFIX)
    fixed: dict[str, Any] = json.loads(re.sub(r"0x[0-9a-f]{6,}", "0x7f2c41a0d5e0", text))
    return fixed


def sentry_alert(case: Case, event: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The `event_alert` webhook body around the SDK's event, and the issue's API record."""
    value = event["exception"]["values"][-1]
    frames = value["stacktrace"]["frames"]
    last = frames[-1]
    seen = _when(case, 2)
    event_id, issue_id, project = (f"{_number(case, 'event', 32):032x}"[:32],
                                   str(_number(case, "issue", 10)), _number(case, "project", 7))
    title = f"{value['type']}: {value['value']}"
    culprit = f"{last['module']} in {last['function']}"
    metadata = {"type": value["type"], "value": value["value"], "filename": last["filename"],
                "function": last["function"], "in_app_frame_mix": "in-app-only"}
    issue_url = f"https://sentry.io/organizations/{ORG}/issues/{issue_id}/"
    body = {
        "event_id": event_id, "issue_id": issue_id,
        "issue_url": f"https://sentry.io/api/0/issues/{issue_id}/",
        "web_url": f"{issue_url}events/{event_id}/",
        "url": f"https://sentry.io/api/0/projects/{ORG}/{case.service}/events/{event_id}/",
        "project": project, "platform": "python", "type": "error", "level": "error",
        "logger": "", "title": title, "culprit": culprit, "location": last["filename"],
        "message": "", "release": event["release"], "environment": "production",
        "server_name": event["server_name"], "timestamp": seen.timestamp(),
        "datetime": seen.strftime("%Y-%m-%dT%H:%M:%S.000000Z"),
        "received": round(seen.timestamp() + 0.412, 3),
        "tags": [["environment", "production"], ["handled", "yes"], ["level", "error"],
                 ["mechanism", "generic"], ["release", event["release"]],
                 ["runtime", "CPython 3.11.7"], ["runtime.name", "CPython"],
                 ["server_name", event["server_name"]]],
        "metadata": metadata,
        "exception": {"values": [
            {"mechanism": v.get("mechanism", {"type": "generic", "handled": True}),
             "module": v.get("module"), "type": v["type"], "value": v["value"],
             "stacktrace": v["stacktrace"]} for v in event["exception"]["values"]]},
        "contexts": {"runtime": {"name": "CPython", "version": "3.11.7", "type": "runtime"}},
        "sdk": {"name": "sentry.python", "version": event["sdk"]["version"], "integrations": []},
        "fingerprint": ["{{ default }}"],
    }
    alert = {"action": "triggered",
             "installation": {"uuid": f"{_number(case, 'install', 32):032x}"[:32]},
             "data": {"event": body, "triggered_rule": "Production errors",
                      "issue_alert": {"title": "Production errors", "settings": []}},
             "actor": {"type": "application", "id": "sentry", "name": "Sentry"}}
    issue = {"id": issue_id, "shortId": f"{case.service.upper()}-{_number(case, 'short', 3)}",
             "title": title, "culprit": culprit, "permalink": issue_url, "level": "error",
             "status": "unresolved", "type": "error", "metadata": metadata,
             "project": {"id": str(project), "slug": case.service, "name": case.service},
             "firstSeen": _z(seen), "lastSeen": _z(seen), "count": "1", "userCount": 0}
    return alert, issue


def failing_tests(report: str) -> list[str]:
    return sorted(set(re.findall(r"^FAILED (\S+)", report, flags=re.M)))


def write_case(case: Case, out: Path) -> Path:
    """Write the folder `out/<id>` from a real build of the case's repository."""
    case.validate()
    folder = out / case.id
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    script = folder / "build.sh"
    script.write_text(build_script(case), encoding="utf-8")
    script.chmod(0o755)
    (folder / "judge").mkdir()
    (folder / "judge" / "test_judge.py").write_text(case.judge, encoding="utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp, "repo")
        build_repo(script, root)
        with git.Repo(root) as repo:
            shas = [c.hexsha for c in reversed(list(repo.iter_commits("main")))]
        head = shas[-1]
        if case.source == "ci":
            done = run_tests(root)
            failed = failing_tests(done.stdout)
            passed = re.search(r"(\d+) passed", done.stdout)
            if not failed:
                raise RuntimeError(f"{case.id}: the repository's tests pass at head")
            dump_json(folder / "alert.json",
                  ci_alert(case, head, failed, int(passed.group(1)) if passed else 0))
        else:
            alert, issue = sentry_alert(case, capture_event(case, root, head))
            dump_json(folder / "alert.json", alert)
            dump_json(folder / "api" / "sentry" / "issues" / f"{issue['id']}.json", issue)
    (folder / "case.toml").write_text(case_toml(case, shas[case.culprit - 1]), encoding="utf-8")
    return folder
