"""Turn a real crash at the repository head into the alert a source would deliver.

Sentry: the event is captured by sentry-sdk in a subprocess, made machine-independent
(deploy-prefix paths, fixed ids and times, no host names) and wrapped in the
integration-platform `event_alert` webhook body the server sends. PagerDuty: a V3
`incident.triggered` webhook plus the recorded `GET /incidents/{id}/alerts` answer whose
`body.details` carry the log lines and the real traceback. CI: a GitHub `check_run`
`completed`/`failure` webhook for the head commit, summarising a real pytest run.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import sysconfig
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from evals.generate.spec import Case

DEPLOY_PREFIX = "/srv/app/"
STDLIB_PREFIX = "/usr/local/lib/python3.11/"
SITE_PREFIX = "/usr/local/lib/python3.11/site-packages/"
ORG = "acme"
RUNNER = Path(__file__).with_name("crash_runner.py")
_ADDR = re.compile(r" at 0x[0-9a-f]+")

# The SDK writes its own release into every event; the corpus must not change when a newer
# sentry-sdk is installed, so generated events name the release the corpus was made with.
SDK_VERSION = "2.75.0"


def _pinned_sdk(sdk: object) -> object:
    if not isinstance(sdk, dict):
        return sdk
    packages = [
        {**p, "version": SDK_VERSION} if p.get("name") == "pypi:sentry-sdk" else p
        for p in sdk.get("packages", [])
    ]
    return {**sdk, "version": SDK_VERSION, "packages": packages}


def digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def number(case_id: str, salt: str, lo: int, span: int) -> int:
    return lo + int(digest(case_id, salt)[:12], 16) % span


def iso_z(t: datetime, ms: bool = False) -> str:
    if ms:
        return t.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def epoch(t: datetime) -> float:

    return t.replace(tzinfo=UTC).timestamp()


def event_time(case: Case) -> datetime:
    return case.alert_time - timedelta(seconds=4, milliseconds=number(case.id, "ms", 0, 900))


def received_at(case: Case) -> datetime:
    return case.alert_time.replace(microsecond=0)


# --------------------------------------------------------------------------- running


def run_crash(case: Case, head: Path, mode: str, release: str) -> dict[str, Any]:
    assert case.crash is not None
    root = str(head.resolve())
    cfg = {
        "root": root,
        "mode": mode,
        "target": case.crash.target,
        "args": case.crash.args,
        "setup": case.crash.setup,
        "tags": case.crash.tags,
        "release": release,
        "environment": "production",
        "server_name": f"{case.service}-1",
        "mechanism": "excepthook",
        "clock": event_time(case).isoformat(),
        "dsn": (
            f"https://{digest(case.service, 'key')[:32]}"
            f"@o{number(case.service, 'org', 4500000, 99999)}.ingest.us.sentry.io/"
            f"{number(case.service, 'project', 4507000000000000, 999999)}"
        ),
    }
    # the production process environment: frame variables may show it (os.environ)
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "PYTHONHASHSEED": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
        "LANG": "C.UTF-8",
        "TZ": "UTC",
        **case.crash.env,
    }
    proc = subprocess.run(
        [sys.executable, "-s", str(RUNNER), json.dumps(cfg)],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{case.id}: crash runner failed: {proc.stdout}\n{proc.stderr}")
    out: dict[str, Any] = json.loads(proc.stdout)
    return _scrub(out, root, {})


_OBJECT_ID = re.compile(r"^\d{12,}$")  # id() keys, e.g. json's circular-reference markers


def _scrub(value: Any, root: str, ids: dict[str, str]) -> Any:
    """Rewrite machine-specific paths and object addresses, recursively."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if _OBJECT_ID.match(k):
                k = ids.setdefault(k, str(0x7F3E2A1C0000 + 0x40 * len(ids)))
            out[k] = _scrub(v, root, ids)
        return out
    if isinstance(value, list):
        return [_scrub(v, root, ids) for v in value]
    if isinstance(value, str):
        paths = sysconfig.get_paths()
        for real, fake in (
            (root.rstrip("/") + "/", DEPLOY_PREFIX),
            (paths["purelib"].rstrip("/") + "/", SITE_PREFIX),
            (paths["stdlib"].rstrip("/") + "/", STDLIB_PREFIX),
        ):
            value = value.replace(real, fake)
        value = _ADDR.sub(" at 0x7f3e2a1c5d90", value)
    return value


# --------------------------------------------------------------------------- sentry


MAX_FRAMES = 50  # the server keeps the innermost frames of very deep stacks
FULL_FRAMES = 5  # ... and only the innermost few keep their context and variables


def _trim_deep_stack(stacktrace: dict[str, Any]) -> None:
    frames = stacktrace["frames"]
    if len(frames) <= MAX_FRAMES:
        return
    dropped = len(frames) - MAX_FRAMES
    kept = frames[dropped:]
    for frame in kept[:-FULL_FRAMES]:
        for key in ("vars", "pre_context", "post_context"):
            frame.pop(key, None)
    stacktrace["frames"] = kept
    stacktrace["frames_omitted"] = [0, dropped]


def _last_in_app(frames: list[dict[str, Any]]) -> dict[str, Any]:
    for frame in reversed(frames):
        if frame.get("in_app"):
            return frame
    return frames[-1]


def sentry_alert(case: Case, captured: dict[str, Any], release: str) -> dict[str, Any]:
    cid = case.id
    event = captured["event"]
    when = event_time(case)
    recv = when + timedelta(milliseconds=number(cid, "recv", 150, 600))
    event_id = digest(cid, "event")[:32]
    issue_id = str(number(cid, "issue", 4_600_000_000, 300_000_000))
    project_id = number(case.service, "project", 4507000000000000, 999999)
    values = event["exception"]["values"]
    for value_ in values:
        for frame in value_["stacktrace"]["frames"]:
            frame["in_app"] = bool(frame.get("in_app"))  # the server fills in False
        _trim_deep_stack(value_["stacktrace"])
    last = values[-1]
    frames = last["stacktrace"]["frames"]
    top = _last_in_app(frames)
    value = str(last.get("value") or "")
    title = f"{last['type']}: {value}" if value else last["type"]
    mix = "in-app-only" if all(f.get("in_app") for f in frames) else "mixed"
    runtime = {**captured["runtime"], "type": "runtime"}
    contexts = {
        "runtime": runtime,
        "trace": {
            "trace_id": digest(cid, "trace")[:32],
            "span_id": digest(cid, "span")[:16],
            "parent_span_id": None,
            "op": None,
            "status": "unknown",
            "type": "trace",
        },
    }
    tags: dict[str, str] = {
        "environment": "production",
        "handled": "no",
        "level": "error",
        "mechanism": "excepthook",
        "release": release,
        "runtime": f"{runtime.get('name', 'CPython')} {runtime.get('version', '')}".strip(),
        "runtime.name": str(runtime.get("name", "CPython")),
        "server_name": str(event.get("server_name", "")),
        **case.crash.tags,  # type: ignore[union-attr]
    }
    out = {
        "_ref": project_id,
        "_ref_version": 2,
        "contexts": contexts,
        "culprit": f"{top.get('module')} in {top.get('function')}",
        "datetime": when.strftime("%Y-%m-%dT%H:%M:%S.%f") + "Z",
        "dist": None,
        "environment": "production",
        "event_id": event_id,
        "exception": {"values": values},
        "fingerprint": ["{{ default }}"],
        "grouping_config": {
            "enhancements": "KLUv_SAYwQAAkwORs25ld3N0eWxlOjIwMjMtMDEtMTGQ",
            "id": "newstyle:2023-01-11",
        },
        "hashes": [digest(cid, "hash")[:32]],
        "issue_id": issue_id,
        "issue_url": f"https://sentry.io/api/0/issues/{issue_id}/",
        "key_id": str(number(case.service, "key_id", 3_000_000, 999_999)),
        "level": "error",
        "location": top.get("filename"),
        "logger": "",
        "message": "",
        "metadata": {
            "filename": top.get("filename"),
            "function": top.get("function"),
            "in_app_frame_mix": mix,
            "type": last["type"],
            "value": value,
        },
        "nodestore_insert": round(epoch(recv) + 0.42, 6),
        "platform": "python",
        "project": project_id,
        "received": round(epoch(recv), 6),
        "release": release,
        "sdk": _pinned_sdk(event.get("sdk")),
        "server_name": event.get("server_name"),
        "tags": [[k, tags[k]] for k in sorted(tags)],
        "timestamp": round(epoch(when), 6),
        "title": title,
        "transaction": tags.get("transaction"),
        "type": "error",
        "url": f"https://sentry.io/api/0/projects/{ORG}/{case.service}/events/{event_id}/",
        "user": None,
        "version": "7",
        "web_url": f"https://{ORG}.sentry.io/issues/{issue_id}/events/{event_id}/",
    }
    return {
        "action": "triggered",
        "installation": {"uuid": _uuid(cid, "installation")},
        "data": {
            "event": out,
            "triggered_rule": "Send new production errors to alertfix",
            "issue_alert": {
                "title": "Send new production errors to alertfix",
                "sentry_app_id": number("alertfix", "app", 100_000, 99_999),
                "settings": [{"name": "team", "value": case.service}],
            },
        },
        "actor": {"id": "sentry", "name": "Sentry", "type": "application"},
    }


def _uuid(*parts: str) -> str:
    h = digest(*parts)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}"


# --------------------------------------------------------------------------- pagerduty


def _pd_id(case_id: str, salt: str) -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
    n = int(digest(case_id, salt)[:16], 16)
    out = "P" if salt != "incident" else "Q"
    for _ in range(13):
        n, r = divmod(n, len(alphabet))
        out += alphabet[r]
    return out


def pagerduty_alert(
    case: Case, captured: dict[str, Any], release: str
) -> tuple[dict[str, Any], str, dict[str, Any]]:
    """Return (webhook body, incident id, alerts API answer)."""
    cid = case.id
    when = received_at(case) - timedelta(seconds=3)
    incident_id = _pd_id(cid, "incident")
    service_id = _pd_id(case.service, "service")
    alert_id = _pd_id(cid, "alert")
    api = "https://api.pagerduty.com"
    web = f"https://{ORG}.pagerduty.com"
    tb: str = captured["traceback"]
    exc_line = tb.rstrip("\n").splitlines()[-1]
    title = case.pd_title or f"[{case.service}] {exc_line}"
    service_ref = {
        "html_url": f"{web}/service-directory/{service_id}",
        "id": service_id,
        "self": f"{api}/services/{service_id}",
        "summary": case.service,
        "type": "service_reference",
    }
    log_start = when - timedelta(seconds=2 + len(case.log_lines))
    logs = []
    for i, line in enumerate(case.log_lines):
        logs.append(f"{iso_z(log_start + timedelta(seconds=i), ms=True)} {line}")
    for i, (level, name, msg) in enumerate(captured["logs"]):
        t = when - timedelta(seconds=2) + timedelta(milliseconds=10 * i)
        logs.append(f"{iso_z(t, ms=True)} {level} {name} {msg}")
    crashed_at = iso_z(when - timedelta(seconds=1), ms=True)
    logs.append(f"{crashed_at} ERROR {case.service} unhandled exception, worker exiting")
    incident = {
        "id": incident_id,
        "type": "incident",
        "self": f"{api}/incidents/{incident_id}",
        "html_url": f"{web}/incidents/{incident_id}",
        "number": number(cid, "number", 1000, 8000),
        "status": "triggered",
        "incident_key": digest(cid, "dedup")[:32],
        "created_at": iso_z(when),
        "title": title,
        "service": service_ref,
        "assignees": [
            {
                "html_url": f"{web}/users/{_pd_id(case.service, 'oncall')}",
                "id": _pd_id(case.service, "oncall"),
                "self": f"{api}/users/{_pd_id(case.service, 'oncall')}",
                "summary": "On-call Engineer",
                "type": "user_reference",
            }
        ],
        "escalation_policy": {
            "html_url": f"{web}/escalation_policies/{_pd_id(case.service, 'policy')}",
            "id": _pd_id(case.service, "policy"),
            "self": f"{api}/escalation_policies/{_pd_id(case.service, 'policy')}",
            "summary": f"{case.service} escalation",
            "type": "escalation_policy_reference",
        },
        "teams": [],
        "priority": None,
        "urgency": "high",
        "conference_bridge": None,
        "resolve_reason": None,
    }
    webhook = {
        "event": {
            "id": _pd_id(cid, "webhook-event"),
            "event_type": "incident.triggered",
            "resource_type": "incident",
            "occurred_at": iso_z(when, ms=True),
            "agent": service_ref,
            "client": {"name": "Events API v2"},
            "data": incident,
        }
    }
    details = {
        "host": f"{case.service}-worker-1",
        "environment": "production",
        "release": release,
        "exception": exc_line,
        "log": "\n".join(logs),
        "traceback": tb,
    }
    alerts = {
        "alerts": [
            {
                "id": alert_id,
                "type": "alert",
                "summary": title,
                "self": f"{api}/alerts/{alert_id}",
                "html_url": f"{web}/alerts/{alert_id}",
                "created_at": iso_z(when),
                "status": "triggered",
                "alert_key": incident["incident_key"],
                "service": service_ref,
                "severity": "critical",
                "suppressed": False,
                "incident": {
                    "html_url": incident["html_url"],
                    "id": incident_id,
                    "self": incident["self"],
                    "summary": title,
                    "type": "incident_reference",
                },
                "body": {
                    "type": "alert_body",
                    "contexts": [],
                    "details": details,
                    "cef_details": {
                        "client": f"{case.service}-worker",
                        "description": title,
                        "details": details,
                        "event_class": exc_line.split(":")[0],
                        "severity": "critical",
                        "source_origin": f"{case.service}-worker-1",
                        "version": "1.0",
                    },
                },
            }
        ],
        "limit": 25,
        "offset": 0,
        "more": False,
        "total": None,
    }
    return webhook, incident_id, alerts


# --------------------------------------------------------------------------- ci


_PYTEST_SUMMARY = re.compile(r"^(?:=+ )?(\d+ (?:failed|passed|error|errors).*?)(?: in [\d.]+s.*)?$")


def run_pytest(repo: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONHASHSEED": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
        "TZ": "UTC",
    }
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def ci_alert(case: Case, head: Path, head_sha: str) -> dict[str, Any]:
    proc = run_pytest(head, "-rf", "--no-header")
    if proc.returncode == 0:
        raise RuntimeError(f"{case.id}: the repository's tests pass at head")
    failed = sorted(
        line.split(" - ")[0].removeprefix("FAILED ").strip()
        for line in proc.stdout.splitlines()
        if line.startswith("FAILED ")
    )
    summary_line = ""
    for line in proc.stdout.splitlines():
        m = _PYTEST_SUMMARY.match(line.strip())
        if m:
            summary_line = m.group(1).strip(" =")
    cid = case.id
    repo_name = case.service
    api = "https://api.github.com"
    full = f"{ORG}/{repo_name}"
    started = received_at(case) - timedelta(seconds=48)
    completed = received_at(case) - timedelta(seconds=2)
    run_id = number(cid, "check_run", 30_000_000_000, 999_999_999)
    suite_id = number(cid, "check_suite", 28_000_000_000, 999_999_999)
    repo_id = number(repo_name, "repo", 700_000_000, 99_999_999)
    app = {
        "id": 15368,
        "slug": "github-actions",
        "node_id": "MDM6QXBwMTUzNjg=",
        "owner": {"login": "github", "id": 9919, "type": "Organization"},
        "name": "GitHub Actions",
        "description": "Automate your workflow from idea to production",
        "external_url": "https://help.github.com/en/actions",
        "html_url": "https://github.com/apps/github-actions",
        "created_at": "2018-07-30T09:30:17Z",
        "updated_at": "2019-12-10T19:04:12Z",
        "permissions": {"checks": "write", "contents": "write", "metadata": "read"},
        "events": ["check_run", "check_suite", "push", "pull_request"],
    }
    text = "\n".join(f"FAILED {name}" for name in failed)
    return {
        "action": "completed",
        "check_run": {
            "id": run_id,
            "name": case.ci_check,
            "node_id": "CR_kwDO" + digest(cid, "cr_node")[:16],
            "head_sha": head_sha,
            "external_id": _uuid(cid, "external"),
            "url": f"{api}/repos/{full}/check-runs/{run_id}",
            "html_url": f"https://github.com/{full}/actions/runs/{run_id // 3}/job/{run_id}",
            "details_url": f"https://github.com/{full}/actions/runs/{run_id // 3}/job/{run_id}",
            "status": "completed",
            "conclusion": "failure",
            "started_at": iso_z(started),
            "completed_at": iso_z(completed),
            "output": {
                "title": f"pytest: {summary_line}" if summary_line else "pytest failed",
                "summary": "Process completed with exit code 1.",
                "text": text or None,
                "annotations_count": 1,
                "annotations_url": f"{api}/repos/{full}/check-runs/{run_id}/annotations",
            },
            "check_suite": {
                "id": suite_id,
                "node_id": "CS_kwDO" + digest(cid, "cs_node")[:16],
                "head_branch": "main",
                "head_sha": head_sha,
                "status": "completed",
                "conclusion": "failure",
                "url": f"{api}/repos/{full}/check-suites/{suite_id}",
                "before": None,
                "after": head_sha,
                "pull_requests": [],
                "app": app,
                "created_at": iso_z(started - timedelta(seconds=5)),
                "updated_at": iso_z(completed),
            },
            "app": app,
            "pull_requests": [],
        },
        "repository": {
            "id": repo_id,
            "node_id": "R_kgDO" + digest(repo_name, "repo_node")[:8],
            "name": repo_name,
            "full_name": full,
            "private": True,
            "owner": {"login": ORG, "id": 81_234_567, "type": "Organization"},
            "html_url": f"https://github.com/{full}",
            "url": f"{api}/repos/{full}",
            "default_branch": "main",
        },
        "organization": {"login": ORG, "id": 81_234_567, "url": f"{api}/orgs/{ORG}"},
        "sender": {"login": "github-actions[bot]", "id": 41_898_282, "type": "Bot"},
        "installation": {
            "id": number("alertfix", "installation", 50_000_000, 9_999_999),
            "node_id": "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9u",
        },
    }
