"""The alerts, produced by really running the crash at the repository's head.

sentry: the event captured by sentry-sdk (include_local_variables=True, an in-process
transport), wrapped in the integration-platform `event_alert` webhook body. pagerduty: the
traceback and log lines of the same run, in a V3 `incident.triggered` webhook plus the
`GET /incidents/{id}/alerts` answer. ci: a `check_run` webhook whose summary is what the
repository's own tests printed at head. Machine-specific bits (paths, addresses, the SDK
and Python versions, ids, times) are rewritten to fixed values so regeneration is stable.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path
from typing import Any

from evals.independent.model import Case, instant

PREFIX = "/srv/app"
SDK_VERSION = "2.75.0"
PYTHON_VERSION = "3.11.7"
STDLIB = "/usr/local/lib/python3.11"

SENTRY_RUNNER = r'''
import json, os, sys
import sentry_sdk
from sentry_sdk.transport import Transport

repo, out, release, crash = sys.argv[1:5]
events = []


class Keep(Transport):
    def capture_envelope(self, envelope):
        event = envelope.get_event()
        if event is not None:
            events.append(event)


os.chdir(repo)
sys.path.insert(0, repo)
sentry_sdk.init(dsn="http://public@127.0.0.1:9/1", transport=Keep, release=release,
                environment="production", server_name="app-1", project_root=repo,
                include_local_variables=True, default_integrations=False)
try:
    exec(compile(crash, "<crash>", "exec"), {"__name__": "__crash__"})
except Exception:
    sentry_sdk.capture_exception()
else:
    raise SystemExit("the crash did not happen")
sentry_sdk.flush()
with open(out, "w") as fh:
    json.dump(events, fh, default=str)
'''

TRACEBACK_RUNNER = r'''
import io, json, logging, os, sys, traceback

repo, out, crash = sys.argv[1:4]
os.chdir(repo)
sys.path.insert(0, repo)
logs = io.StringIO()
handler = logging.StreamHandler(logs)
handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
logging.basicConfig(level=logging.INFO, handlers=[handler])
try:
    exec(compile(crash, "<crash>", "exec"), {"__name__": "__crash__"})
except Exception as exc:
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if f.filename.startswith(repo + os.sep)]
    text = ("Traceback (most recent call last):\n"
            + "".join(traceback.format_list(frames))
            + "".join(traceback.format_exception_only(type(exc), exc)))
    logging.getLogger("worker").error("unhandled %s", type(exc).__name__)
    with open(out, "w") as fh:
        json.dump({"traceback": text, "error": traceback.format_exception_only(
            type(exc), exc)[-1].strip(), "log": logs.getvalue().splitlines()}, fh)
else:
    raise SystemExit("the crash did not happen")
'''


def number(case: Case, salt: str, digits: int) -> int:
    value = int(hashlib.sha256(f"{case.id}:{salt}".encode()).hexdigest(), 16)
    return 10 ** (digits - 1) + value % (9 * 10 ** (digits - 1))


def hexid(case: Case, salt: str, n: int = 32) -> str:
    return hashlib.sha256(f"{case.id}:{salt}".encode()).hexdigest()[:n]


def scrub(value: Any, repo: Path) -> Any:
    """Machine-independent: repo and stdlib paths, object addresses."""
    text = json.dumps(value)
    stdlib = sysconfig.get_paths()["stdlib"]
    text = text.replace(str(repo), PREFIX).replace(stdlib, STDLIB)
    text = re.sub(r"0x[0-9a-f]{6,16}", "0x7f2c41a0d5e0", text)
    return json.loads(text)


def _run(runner: str, args: list[str]) -> dict[str, Any] | list[Any]:
    with tempfile.TemporaryDirectory(prefix="ind-alert-") as tmp:
        script = Path(tmp) / "runner.py"
        script.write_text(runner)
        out = Path(tmp) / "out.json"
        done = subprocess.run([sys.executable, str(script), args[0], str(out), *args[1:]],
                              capture_output=True, text=True, timeout=120, check=False)
        if done.returncode != 0 or not out.exists():
            raise RuntimeError(f"crash run failed: {done.stderr[-800:]}")
        result: dict[str, Any] | list[Any] = json.loads(out.read_text())
        return result


def iso(value: str) -> str:
    return instant(value).strftime("%Y-%m-%dT%H:%M:%SZ")


def sentry_alert(case: Case, repo: Path, head: str) -> tuple[Any, dict[str, Any]]:
    """The event_alert webhook body and the recorded issue API answer."""
    events = _run(SENTRY_RUNNER, [str(repo), head, case.crash])
    assert isinstance(events, list) and len(events) == 1, events
    raw = scrub(events[0], repo)
    for value in raw["exception"]["values"]:
        frames = value["stacktrace"]["frames"]
        first = next(i for i, f in enumerate(frames)
                     if f.get("abs_path", "").startswith(PREFIX + "/")
                     and not f.get("filename", "<").startswith("<"))
        value["stacktrace"]["frames"] = frames[first:]
    last = raw["exception"]["values"][-1]
    in_app = [f for f in last["stacktrace"]["frames"] if f.get("in_app")]
    top = in_app[-1]
    issue_id = str(number(case, "issue", 10))
    event_id = hexid(case, "event")
    when = instant(case.event_at)
    title = f"{last['type']}: {last['value']}" if last.get("value") else last["type"]
    culprit = f"{top['module']} in {top['function']}"
    event = {
        "event_id": event_id,
        "issue_id": issue_id,
        "issue_url": f"https://sentry.io/api/0/issues/{issue_id}/",
        "web_url": f"https://sentry.io/organizations/acme/issues/{issue_id}/events/{event_id}/",
        "url": f"https://sentry.io/api/0/projects/acme/{case.service}/events/{event_id}/",
        "project": number(case, "project", 7),
        "platform": "python",
        "type": "error",
        "level": "error",
        "logger": "",
        "title": title,
        "culprit": culprit,
        "location": top["filename"],
        "message": "",
        "release": head,
        "environment": "production",
        "server_name": "app-1",
        "timestamp": when.timestamp(),
        "datetime": when.strftime("%Y-%m-%dT%H:%M:%S.000000Z"),
        "received": when.timestamp() + 0.412,
        "tags": [["environment", "production"], ["handled", "yes"], ["level", "error"],
                 ["mechanism", "generic"], ["release", head],
                 ["runtime", f"CPython {PYTHON_VERSION}"], ["runtime.name", "CPython"],
                 ["server_name", "app-1"]],
        "metadata": {"type": last["type"], "value": last.get("value", ""),
                     "filename": top["filename"], "function": top["function"],
                     "in_app_frame_mix": "in-app-only"
                     if all(f.get("in_app") for f in last["stacktrace"]["frames"])
                     else "mixed"},
        "exception": raw["exception"],
        "contexts": {"runtime": {"name": "CPython", "version": PYTHON_VERSION,
                                 "type": "runtime"}},
        "sdk": {"name": "sentry.python", "version": SDK_VERSION, "integrations": []},
        "fingerprint": ["{{ default }}"],
    }
    body = {
        "action": "triggered",
        "installation": {"uuid": hexid(case, "installation", 8) + "-7a3c-4f0e-9b1d-"
                         + hexid(case, "installation2", 12)},
        "data": {
            "event": event,
            "triggered_rule": "Production errors",
            "issue_alert": {"title": "Production errors", "settings": []},
        },
        "actor": {"type": "application", "id": "sentry", "name": "Sentry"},
    }
    issue = {
        "id": issue_id,
        "shortId": f"{case.service.upper()}-{number(case, 'short', 3)}",
        "title": title,
        "culprit": culprit,
        "permalink": f"https://sentry.io/organizations/acme/issues/{issue_id}/",
        "level": "error",
        "status": "unresolved",
        "type": "error",
        "metadata": event["metadata"],
        "project": {"id": str(event["project"]), "slug": case.service, "name": case.service},
        "firstSeen": iso(case_first(case)),
        "lastSeen": iso(case.event_at),
        "count": str(case.issue_count),
        "userCount": 0,
    }
    return body, issue


def case_first(case: Case) -> str:
    return case.first_error_at or case.event_at


def pagerduty_alert(case: Case, repo: Path, head: str) -> tuple[Any, dict[str, Any], str]:
    """The incident.triggered body, the alerts API answer and the incident id."""
    run = _run(TRACEBACK_RUNNER, [str(repo), case.crash])
    assert isinstance(run, dict)
    run = scrub(run, repo)
    incident = "Q" + hexid(case, "incident", 13).upper()
    service = {"id": "P" + hexid(case, "service", 6).upper(), "type": "service_reference",
               "summary": case.service,
               "self": "https://api.pagerduty.com/services/P" + hexid(case, "service", 6).upper(),
               "html_url": "https://acme.pagerduty.com/service-directory/P"
               + hexid(case, "service", 6).upper()}
    created = iso(case.event_at)
    title = f"[production] {case.service}: {run['error']}"
    data = {
        "id": incident, "type": "incident",
        "self": f"https://api.pagerduty.com/incidents/{incident}",
        "html_url": f"https://acme.pagerduty.com/incidents/{incident}",
        "number": number(case, "number", 4), "status": "triggered",
        "incident_key": hexid(case, "key"), "created_at": created, "title": title,
        "service": service, "assignees": [], "urgency": "high", "priority": None,
        "escalation_policy": {"id": "PESC001", "type": "escalation_policy_reference",
                              "summary": "Backend on-call"},
        "teams": [], "conference_bridge": None, "resolve_reason": None,
    }
    body = {"event": {"id": "01" + hexid(case, "webhook", 24).upper(),
                      "event_type": "incident.triggered", "resource_type": "incident",
                      "occurred_at": created, "agent": None, "client": None, "data": data}}
    first = iso(case_first(case))
    log = [f"{created} {line}" for line in run["log"]]
    details = {"service": case.service, "environment": "production", "release": head,
               "host": "app-1", "error": run["error"], "first_seen": first,
               "occurrences": case.issue_count, "log": log, "traceback": run["traceback"]}
    alerts = {"alerts": [{
        "id": "A" + hexid(case, "alert", 13).upper(), "type": "alert",
        "summary": title, "status": "triggered", "severity": "error", "suppressed": False,
        "created_at": created, "alert_key": hexid(case, "key"),
        "self": f"https://api.pagerduty.com/alerts/A{hexid(case, 'alert', 13).upper()}",
        "html_url": f"https://acme.pagerduty.com/alerts/A{hexid(case, 'alert', 13).upper()}",
        "service": service,
        "incident": {"id": incident, "type": "incident_reference"},
        "body": {"type": "alert_body", "contexts": [], "details": details},
    }], "limit": 25, "offset": 0, "total": None, "more": False}
    return body, alerts, incident


def ci_alert(case: Case, head: str, summary: str) -> Any:
    repo_id = number(case, "repo", 9)
    when = instant(case.event_at)
    started = when.timestamp() - 83
    from datetime import UTC, datetime
    start_iso = datetime.fromtimestamp(started, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    full = f"acme/{case.service}"
    run_id = number(case, "check", 11)
    return {
        "action": "completed",
        "check_run": {
            "id": run_id, "name": "tests", "head_sha": head, "status": "completed",
            "conclusion": "failure", "started_at": start_iso, "completed_at": iso(case.event_at),
            "html_url": f"https://github.com/{full}/runs/{run_id}",
            "details_url": f"https://github.com/{full}/actions/runs/{run_id}/job/{run_id + 1}",
            "output": {"title": "pytest failed", "summary": summary, "text": None,
                       "annotations_count": 0},
            "check_suite": {"id": number(case, "suite", 11), "head_branch": "main",
                            "head_sha": head, "status": "completed",
                            "conclusion": "failure"},
            "app": {"id": 15368, "slug": "github-actions", "name": "GitHub Actions"},
            "pull_requests": [],
        },
        "repository": {"id": repo_id, "name": case.service, "full_name": full,
                       "private": True, "default_branch": "main",
                       "html_url": f"https://github.com/{full}",
                       "owner": {"login": "acme", "type": "Organization"}},
        "sender": {"login": "github-actions[bot]", "type": "Bot"},
    }
