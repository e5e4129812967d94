"""The whole loop once with the GitHub App forge and the Jira tracker in place of the embedded
adapters: the real PyGithub, jira and git talking to the stand-in servers. The alert is a
`fatal` one, and that severity must reach the Jira priority, the ticket and the PR labels."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import git
import pytest

from agent.incidents.alerts import incoming
from agent.incidents.service import IncidentService
from agent.incidents.waits import Deployed, ReviewDecision
from agent.settings import Settings
from agent.state import RepoRef
from tests.standins.github import github_standin
from tests.standins.jira import jira_standin


@pytest.mark.slow
def test_github_and_jira_carry_an_incident_from_alert_to_done(
        tmp_path: Path, shop: Path, event: dict[str, Any]) -> None:
    service = git.Repo(shop)
    with github_standin(tmp_path / "gh") as gh, jira_standin() as jira:
        bare = gh.create_repo("acme/shop")
        service.git.push("--force", str(bare), "main:main")
        running = service.commit("deploy-2").hexsha
        gh.add_deployment_status("acme/shop", gh.add_deployment("acme/shop", running), "success")

        settings = Settings(
            home=tmp_path / "home", forge="github", tracker="jira", test_timeout_s=120,
            verify_window_s=0, verify_max_window_s=0,
            github_app_id=gh.app_id, github_private_key=gh.private_key_pem,
            github_installation_id=gh.installation_id, github_api_url=gh.api_url,
            jira_url=jira.url, jira_email=jira.email, jira_api_token=jira.api_token,
            jira_project=jira.project)
        runtime = IncidentService(settings)
        repo = RepoRef(name="acme/shop", origin=gh.git_url("acme/shop"), default_branch="main")

        event["level"] = "fatal"  # Sentry's highest level: Jira's "Highest" priority
        report = runtime.receive(incoming("sentry", event), repo)
        assert report.waiting_for == "review", report.status
        assert report.state and report.state.ticket and report.state.pull_request
        key, pr = report.state.ticket.key, report.state.pull_request
        assert jira.status_of(key) == "In Review"
        assert jira.issue(key).fields["priority"] == {"name": "Highest"}
        assert "with severity **fatal**" in jira.issue(key).fields["description"]
        pulls = gh.pulls("acme/shop")
        assert [p.number for p in pulls] == [pr.number] and "## Root cause" in pulls[0].body
        assert "severity:fatal" in pulls[0].labels and "alertfix" in pulls[0].labels
        assert gh.branch_sha("acme/shop", pr.branch) == pr.head_sha

        merge = gh.merge_pull("acme/shop", pr.number)  # the reviewer merges on GitHub
        report = runtime.resume(report.incident_id,
                                ReviewDecision(decision="approved", by="octocat"))
        assert report.waiting_for == "deploy", report.status

        gh.add_deployment_status("acme/shop", gh.add_deployment("acme/shop", merge), "success")
        report = runtime.resume(report.incident_id, Deployed(environment="production"))
        assert report.state and report.state.outcome == "closed", report.status
        assert report.state.verification and report.state.verification.passed
        assert jira.status_of(key) == "Done"
        # A fault seen once and watched for no time is closed, but not as verified.
        assert "Fixed, not verified by traffic" in jira.issue(key).comments[-1]["body"]


def test_doctor_checks_the_configured_integrations(tmp_path: Path) -> None:
    from agent.doctor import run_checks

    with github_standin(tmp_path / "gh") as gh, jira_standin() as jira:
        gh.create_repo("acme/shop")
        settings = Settings(
            home=tmp_path / "home", forge="github", tracker="jira",
            github_app_id=gh.app_id, github_private_key=gh.private_key_pem,
            github_installation_id=gh.installation_id, github_api_url=gh.api_url,
            jira_url=jira.url, jira_email=jira.email, jira_api_token=jira.api_token,
            jira_project=jira.project)
        findings = run_checks(settings, ["acme/shop"])
        assert {f.integration for f in findings} >= {"git", "github", "jira", "sandbox"}
        failing = [f for f in findings if not f.ok and f.integration in ("github", "jira")]
        assert not failing, failing
        missing = run_checks(settings, ["acme/nope"])
        assert any(not f.ok and f.integration == "github" and f.fix for f in missing)
        unconfigured = run_checks(Settings(home=tmp_path / "h2", tracker="jira"), [])
        assert any(f.check == "configuration" and not f.ok for f in unconfigured)


@pytest.mark.slow
def test_github_down_the_incident_waits_jira_says_why_and_it_resumes(
        tmp_path: Path, shop: Path, event: dict[str, Any]) -> None:
    """The GitHub stand-in answers 503 (Retry-After: 600) to every pull-request creation for
    as long as the test says: PyGithub's error becomes the forge's Unavailable, the incident
    waits, the Jira ticket says why, and a tick after the forge is back opens the PR."""
    from datetime import UTC, datetime, timedelta

    from agent.incidents.waits import ServiceWait

    service = git.Repo(shop)
    with github_standin(tmp_path / "gh") as gh, jira_standin() as jira:
        bare = gh.create_repo("acme/shop")
        service.git.push("--force", str(bare), "main:main")
        settings = Settings(
            home=tmp_path / "home", forge="github", tracker="jira", test_timeout_s=120,
            verify_window_s=0, verify_max_window_s=0, service_retries=1, service_backoff_s=0,
            github_app_id=gh.app_id, github_private_key=gh.private_key_pem,
            github_installation_id=gh.installation_id, github_api_url=gh.api_url,
            jira_url=jira.url, jira_email=jira.email, jira_api_token=jira.api_token,
            jira_project=jira.project)
        runtime = IncidentService(settings)
        repo = RepoRef(name="acme/shop", origin=gh.git_url("acme/shop"), default_branch="main")

        gh.fail("POST", r"/repos/acme/shop/pulls$", times=10_000, status=503,
                headers={"Retry-After": "600"}, body={"message": "Service Unavailable"})
        report = runtime.receive(incoming("sentry", event), repo)
        assert report.status == "waiting for forge", report.status
        assert isinstance(report.wait, ServiceWait) and report.wait.port == "forge"
        assert report.state and report.state.ticket and report.state.pull_request is None
        key = report.state.ticket.key
        told = jira.issue(key).comments[-1]["body"]
        assert "waiting for the forge" in told and "503" in told
        assert gh.pulls("acme/shop") == []
        # Still down when its Retry-After has passed: it keeps waiting, the ticket told once.
        comments = len(jira.issue(key).comments)
        later = datetime.now(UTC) + timedelta(minutes=11)
        assert [r.status for r in runtime.tick(later)] == ["waiting for forge"]
        assert len(jira.issue(key).comments) == comments

        gh.heal()  # GitHub is back
        resumed = runtime.tick(later + timedelta(hours=1))
        assert [r.status for r in resumed] == ["waiting for review"]
        [pull] = gh.pulls("acme/shop")
        assert resumed[0].state and resumed[0].state.pull_request
        assert resumed[0].state.pull_request.number == pull.number
        assert jira.status_of(key) == "In Review"
