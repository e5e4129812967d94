"""Tracker.attach: a file on the local tracker, a Jira attachment (once per name), and the
inline form on GitHub Issues, whose API cannot upload files."""

from __future__ import annotations

from pathlib import Path

from tests.standins.jira import jira_standin
from tools.github_auth import GitHubApp
from tools.ports import Attachment, TicketDraft
from tools.tracker.github_issues import GitHubIssuesTracker
from tools.tracker.jira import JiraTracker
from tools.tracker.local import LocalTracker

CHART = Attachment(filename="verification-deploy-3.svg", content=b"<svg/>",
                   content_type="image/svg+xml", alt="Fault rate before and after deploy-3",
                   markdown="```mermaid\nxychart-beta\n  bar [1, 0]\n```")
DRAFT = TicketDraft(title="KeyError", body="b", fingerprint="f" * 32)


def test_local_tracker_keeps_the_file_beside_its_database(tmp_path: Path) -> None:
    tracker = LocalTracker(tmp_path / "tracker.db")
    key = tracker.create(DRAFT).key
    hostile = CHART.model_copy(update={"filename": "../../escape.svg"})
    shown = tracker.attach(key, hostile)
    [saved] = tracker.attachments(key)
    assert saved == tmp_path / "attachments" / key / "escape.svg"
    assert saved.read_bytes() == b"<svg/>" and saved.as_uri() in shown


def test_jira_uploads_once_per_filename() -> None:
    with jira_standin() as jira:
        tracker = JiraTracker(url=jira.url, project=jira.project, email=jira.email,
                              api_token=jira.api_token)
        key = tracker.create(DRAFT).key
        for _ in range(2):  # a node that runs twice attaches once
            assert tracker.attach(key, CHART) == "!verification-deploy-3.svg!"
        [attachment] = jira.issue(key).attachments
        assert attachment["data"] == b"<svg/>" and attachment["size"] == 6


def test_github_issues_show_the_inline_form() -> None:
    app = GitHubApp(app_id=1, private_key_pem="unused", installation_id=1,
                    base_url="http://127.0.0.1:9")
    tracker = GitHubIssuesTracker(repo="acme/shop", app=app, base_url="http://127.0.0.1:9")
    assert tracker.attach("7", CHART) == CHART.markdown  # no request: nothing to upload
