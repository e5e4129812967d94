"""`alertfix demo`: the whole loop on a sample service, with nothing configured.

1. Builds a small shop service with history and deploy tags; its latest deploy carries a
   commit that crashes checkout for guests (KeyError on a customer's missing tier).
2. Runs the crashing request under a real sentry-sdk client whose DSN points at alertfix's
   own ingest, served in-process on 127.0.0.1: a real envelope, not a hand-written event.
3. Runs the incident: ticket, root cause, fix, sandboxed tests, pull request; approves it
   as a reviewer would, deploys it, replays the traffic, verifies and closes the ticket.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import git
from fastapi import FastAPI

from agent.incidents.alerts import incoming
from agent.incidents.service import IncidentService, Report
from agent.incidents.waits import Deployed
from agent.server.background import serve_in_thread
from agent.server.ingest import ingest_router
from agent.settings import Settings
from tools.monitors.local import EventStore
from tools.ports import Alert

MARKER = ".alertfix-demo"
DSN_KEY = "demo-public-key"

_PRICING_V1 = '''\
"""Prices for the shop's checkout."""

DISCOUNTS = {"gold": 0.8, "silver": 0.9}


def checkout_total(customer: dict, items: list[dict]) -> float:
    subtotal = sum(item["price"] * item["qty"] for item in items)
    return round(subtotal, 2)
'''

_PRICING_V2 = '''\
"""Prices for the shop's checkout."""

DISCOUNTS = {"gold": 0.8, "silver": 0.9}


def loyalty_factor(customer: dict) -> float:
    """Members pay less: gold 20% off, silver 10% off."""
    tier = customer["tier"]
    return DISCOUNTS.get(tier, 1.0)


def checkout_total(customer: dict, items: list[dict]) -> float:
    subtotal = sum(item["price"] * item["qty"] for item in items)
    return round(subtotal * loyalty_factor(customer), 2)
'''

_APP = '''\
"""The checkout endpoint."""

from shop.pricing import checkout_total


def handle_checkout(request: dict) -> dict:
    total = checkout_total(request["customer"], request["items"])
    return {"status": 200, "total": total}
'''

_TESTS_V1 = '''\
from shop.app import handle_checkout


def test_checkout_sums_items():
    request = {"customer": {"id": "c-1"}, "items": [{"price": 2.5, "qty": 2}]}
    assert handle_checkout(request) == {"status": 200, "total": 5.0}
'''

_TESTS_V2 = _TESTS_V1 + '''

def test_gold_members_get_twenty_percent_off():
    request = {"customer": {"id": "c-7", "tier": "gold"}, "items": [{"price": 10, "qty": 1}]}
    assert handle_checkout(request)["total"] == 8.0
'''

# (author, date, message, files, deploy after this commit?)
_HISTORY: list[tuple[str, str, str, dict[str, str], bool]] = [
    ("Ana Ops <ana@example.com>", "2026-11-02T09:00:00+00:00", "Checkout service",
     {"shop/__init__.py": "", "shop/pricing.py": _PRICING_V1, "shop/app.py": _APP,
      "tests/test_checkout.py": _TESTS_V1, "README.md": "# shop\n"}, True),
    ("Ben Dev <ben@example.com>", "2026-11-10T14:20:00+00:00",
     "Loyalty discounts by customer tier",
     {"shop/pricing.py": _PRICING_V2, "tests/test_checkout.py": _TESTS_V2}, False),
    ("Ana Ops <ana@example.com>", "2026-11-11T08:05:00+00:00", "Describe the pricing rules",
     {"README.md": "# shop\n\nMembers get loyalty discounts: gold 20%, silver 10%.\n"}, True),
]

GUEST_CHECKOUT = {"customer": {"id": "c-42", "name": "guest"},
                  "items": [{"price": 12.0, "qty": 2}]}


def build_service(path: Path) -> git.Repo:
    """The sample service: three commits, two deploys; the second commit is the culprit."""
    repo = git.Repo.init(path, initial_branch="main")
    for author, date, message, files, deploy in _HISTORY:
        for rel, content in files.items():
            (path / rel).parent.mkdir(parents=True, exist_ok=True)
            (path / rel).write_text(content)
        repo.git.add("--all")
        name, email = author[:-1].split(" <")
        env = {"GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email, "GIT_AUTHOR_DATE": date,
               "GIT_COMMITTER_NAME": name, "GIT_COMMITTER_EMAIL": email,
               "GIT_COMMITTER_DATE": date}
        repo.git.commit("-m", message, env=env)
        if deploy:
            deploys = sum(1 for t in repo.tags if t.name.startswith("deploy-"))
            repo.git.tag("-a", f"deploy-{deploys + 1}", "-m", "environment=production",
                         env={**env, "GIT_COMMITTER_DATE": date.replace(":00+", ":30+")})
    return repo


_RUNNER = textwrap.dedent('''
    import json, sys
    import sentry_sdk
    sentry_sdk.init(dsn=sys.argv[1], release=sys.argv[2], environment="production",
                    server_name="shop-web-1", include_local_variables=True,
                    default_integrations=False)
    from shop.app import handle_checkout
    try:
        print(json.dumps(handle_checkout(json.loads(sys.argv[3]))))
    except Exception:
        sentry_sdk.capture_exception()  # what the web framework integration does
        print("500")
    sentry_sdk.flush(timeout=10)
''')


def send_traffic(service: Path, dsn: str, release: str, request: dict[str, Any]) -> str:
    """Serve one request with the service's code under sentry-sdk; returns the response."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SENTRY_")}
    env["PYTHONPATH"] = str(service)
    done = subprocess.run([sys.executable, "-c", _RUNNER, dsn, release, json.dumps(request)],
                          cwd=service, env=env, capture_output=True, text=True, timeout=60,
                          check=False)
    return done.stdout.strip() or done.stderr.strip()[-300:]


@dataclass
class DemoResult:
    report: Report
    ok: bool
    service: Path
    alert_file: Path


class _Inbox:
    """Events the ingest received, for the demo to pick up."""

    def __init__(self) -> None:
        self.events: list[tuple[dict[str, Any], Alert]] = []
        self.arrived = threading.Event()

    def __call__(self, project: str, event: dict[str, Any], alert: Alert) -> None:
        self.events.append((event, alert))
        self.arrived.set()


def run_demo(directory: Path, say: Callable[[str], None]) -> DemoResult:
    if directory.exists():
        if any(directory.iterdir()) and not (directory / MARKER).exists():
            raise FileExistsError(f"{directory} exists and was not made by `alertfix demo`")
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    (directory / MARKER).write_text("made by alertfix demo; safe to delete\n")
    service = directory / "shop"
    repo = build_service(service)
    head = repo.head.commit.hexsha
    say(f"Built the sample service at {service} (3 commits, deploy-1 and deploy-2).")

    # The demo replays the traffic itself right after the deploy and does not wait for more:
    # the ticket closes as fixed, not verified by traffic (one request proves little).
    settings = Settings(home=directory / ".alertfix", ingest_keys=[DSN_KEY], verify_window_s=0,
                        verify_max_window_s=0)
    runtime = IncidentService(settings)
    store = EventStore(settings.home / "events.db")
    inbox = _Inbox()
    app = FastAPI()
    app.include_router(ingest_router(store, settings.ingest_keys, inbox))
    with serve_in_thread(app) as base_url:
        dsn = base_url.replace("http://", f"http://{DSN_KEY}@") + "/1"
        response = send_traffic(service, dsn, head, GUEST_CHECKOUT)
        say(f"A guest checks out on {head[:10]} (deploy-2): response {response}.")
        if not inbox.arrived.wait(10):
            raise RuntimeError("the ingest received no event from sentry-sdk")
        event, alert = inbox.events[0]
        say(f"alertfix's ingest received the sentry-sdk envelope: {alert.title}")
        alert_file = directory / "alert.json"
        alert_file.write_text(json.dumps(event, indent=2))

        repo_ref = runtime.register_local_repo(service)
        report = runtime.receive(incoming("sentry", event), repo_ref)
        if report.waiting_for != "review":
            return DemoResult(report, False, service, alert_file)
        assert report.state and report.state.pull_request
        say(f"Pull request #{report.state.pull_request.number} is open; approving it as "
            "the reviewer would (the local forge merges).")
        report = runtime.approve(report.incident_id, by="demo-reviewer")
        if report.waiting_for != "deploy":
            return DemoResult(report, False, service, alert_file)
        shipped = runtime.record_deploy(report.incident_id)
        deployed_code = directory / "deployed"
        git.Repo.clone_from(repo_ref.origin, deployed_code,
                            branch=repo_ref.default_branch).close()
        response = send_traffic(deployed_code, dsn, shipped.sha, GUEST_CHECKOUT)
        say(f"Deployed {shipped.sha[:10]} as {shipped.name}; the same guest checkout now "
            f"answers {response}.")
        report = runtime.resume(report.incident_id, Deployed(environment=shipped.environment))
    ok = bool(report.state and report.state.outcome == "closed"
              and report.state.verification and report.state.verification.passed)
    return DemoResult(report, ok, service, alert_file)
