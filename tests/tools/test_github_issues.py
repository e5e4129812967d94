"""The GitHub Issues tracker, driving the real PyGithub against the GitHub stand-in."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.standins.github import GitHubStandIn, github_standin
from tools.forge.github import GitHubForge
from tools.github_auth import GitHubApp, RetryPolicy
from tools.ports import (
    PullRequestDraft,
    TicketDraft,
    TicketStatus,
    Tracker,
    TrackerNotFound,
    TrackerRefused,
    TrackerUnavailable,
)
from tools.tracker.github_issues import GitHubIssuesTracker, fingerprint_label

REPO = "acme/shop"
DRAFT = TicketDraft(title="KeyError in checkout", body="trace", fingerprint="fp-77",
                    labels=["service:shop"], severity="error")


@pytest.fixture
def gh(tmp_path: Path) -> Iterator[GitHubStandIn]:
    with github_standin(tmp_path) as server:
        server.create_repo(REPO)
        yield server


def make(gh: GitHubStandIn, sleeps: list[float] | None = None) -> GitHubIssuesTracker:
    return GitHubIssuesTracker(
        repo=REPO, app_id=gh.app_id, private_key_pem=gh.private_key_pem,
        installation_id=gh.installation_id, base_url=gh.api_url,
        retry=RetryPolicy(attempts=3, backoff=0.01, max_wait=5,
                          sleep=sleeps.append if sleeps is not None else lambda s: None),
    )


def test_issue_lifecycle(gh: GitHubStandIn) -> None:
    t: Tracker = make(gh)
    assert t.find("fp-77") is None
    ticket = t.create(DRAFT)
    assert (ticket.key, ticket.status, ticket.fingerprint) == ("1", "Open", "fp-77")
    assert gh.issues(REPO)[0].labels == ["alertfix", "fp:fp-77", "severity:error",
                                         "service:shop"]
    assert t.create(DRAFT) == ticket and len(gh.issues(REPO)) == 1
    assert t.find("fp-77") == ticket

    t.comment("1", "Root cause: missing key")
    assert t.transition("1", TicketStatus.IN_PROGRESS).status == "In Progress"
    review = t.transition("1", TicketStatus.IN_REVIEW)
    assert review.status == "In Review" and "status:in-progress" not in review.labels
    done = t.close("1", "Verified")
    assert done.status == "Done"
    issue = gh.issues(REPO)[0]
    assert (issue.state, issue.state_reason) == ("closed", "completed")
    assert [c["body"] for c in issue.comments] == ["Root cause: missing key", "Verified"]
    again = t.transition("1", TicketStatus.REOPENED)
    assert again.status == "Reopened" and gh.issues(REPO)[0].state == "open"
    assert t.find("fp-77") == again


def test_find_skips_pull_requests_and_returns_the_newest(gh: GitHubStandIn,
                                                         tmp_path: Path) -> None:
    app = GitHubApp(app_id=gh.app_id, private_key_pem=gh.private_key_pem,
                    installation_id=gh.installation_id, base_url=gh.api_url)
    t = GitHubIssuesTracker(repo=REPO, app=app)
    forge = GitHubForge(repo=REPO, app=app, git_url=gh.origin)
    first = t.create(DRAFT)
    t.close(first.key, "")
    # A PR carrying the same fingerprint label must not be taken for the ticket.
    work = tmp_path / "w"
    repo = forge.clone(work)
    repo.git.checkout("-b", "alertfix/1-x")
    repo.git.commit("--allow-empty", "-m", "x",
                    env={"GIT_AUTHOR_NAME": "a", "GIT_AUTHOR_EMAIL": "a@b",
                         "GIT_COMMITTER_NAME": "a", "GIT_COMMITTER_EMAIL": "a@b"})
    forge.push_branch(work, "alertfix/1-x")
    forge.open_pull_request(PullRequestDraft(branch="alertfix/1-x", base="main", title="t",
                                             body="b", labels=[fingerprint_label("fp-77")]))
    found = t.find("fp-77")  # the PR (#2) is newer but is not a ticket
    assert found is not None and (found.key, found.status) == (first.key, "Done")
    second = t.create(DRAFT)  # the old one is Done: a recurrence gets a new ticket
    assert second.key == "3" and t.find("fp-77") == second
    assert len(gh.tokens) == 1  # forge and tracker share one installation token


def test_long_fingerprints_fit_in_a_label() -> None:
    assert fingerprint_label("x" * 47) == "fp:" + "x" * 47
    assert len(fingerprint_label("x" * 48)) == 43
    assert "," not in fingerprint_label("a,b")


def test_errors(tmp_path: Path) -> None:
    with github_standin(tmp_path, permissions={"metadata": "read", "issues": "read"}) as gh:
        gh.create_repo(REPO)
        with pytest.raises(TrackerRefused, match="issues=write"):
            make(gh).create(DRAFT)
        with pytest.raises(TrackerNotFound):
            make(gh).transition("9", TicketStatus.DONE)
        sleeps: list[float] = []
        gh.fail("GET", r"/issues$", status=429, headers={"Retry-After": "1"}, times=1)
        assert make(gh, sleeps).find("nothing") is None
        assert sleeps == [1.0]
        gh.fail("GET", r"/issues$", drop=True, times=3)
        with pytest.raises(TrackerUnavailable):
            make(gh).find("nothing")
