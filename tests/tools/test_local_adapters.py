"""The embedded tracker, forge and deploy history: real implementations, tested as such."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import git
import pytest

from tools import vcs
from tools.forge.local import LocalForge
from tools.ports import (
    ForgeRefused,
    NotFound,
    PullRequestDraft,
    Refused,
    TicketDraft,
    TicketStatus,
    TrackerNotFound,
    TrackerRefused,
)
from tools.tracker.local import LocalTracker


def _commit(repo: git.Repo, path: str, text: str, message: str) -> str:
    file = Path(repo.working_dir) / path
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(text)
    repo.git.add("--all")
    repo.git.commit("-m", message)
    return repo.head.commit.hexsha


@pytest.fixture
def service(tmp_path: Path) -> git.Repo:
    repo = git.Repo.init(tmp_path / "svc", initial_branch="main")
    with repo.config_writer() as config:
        config.set_value("user", "name", "Dev").set_value("user", "email", "dev@example.com")
    _commit(repo, "app.py", "x = 1\n", "first")
    return repo


def test_tracker_workflow_and_fingerprint_lookup(tmp_path: Path) -> None:
    tracker = LocalTracker(tmp_path / "t.db")
    first = tracker.create(TicketDraft(title="KeyError", body="b", fingerprint="fp1"))
    second = tracker.create(TicketDraft(title="Other", body="b", fingerprint="fp2"))
    assert (first.key, second.key, first.status) == ("AF-1", "AF-2", TicketStatus.OPEN)
    assert tracker.find("fp1") == first and tracker.find("nope") is None
    assert "fp-fp1" in first.labels
    tracker.transition("AF-1", TicketStatus.IN_PROGRESS)
    tracker.transition("AF-1", TicketStatus.IN_PROGRESS)  # idempotent
    tracker.transition("AF-1", TicketStatus.IN_REVIEW)
    closed = tracker.close("AF-1", "verified")
    with pytest.raises(TrackerRefused):
        tracker.transition("AF-1", TicketStatus.IN_REVIEW)
    assert closed.status == TicketStatus.DONE and tracker.comments("AF-1") == ["verified"]
    assert tracker.transition("AF-1", TicketStatus.REOPENED).status == TicketStatus.REOPENED
    assert tracker.history("AF-1")[-1] == ("Done", "Reopened")
    with pytest.raises(NotFound) as missing:
        tracker.comment("AF-99", "x")
    assert isinstance(missing.value, TrackerNotFound) and missing.value.port == "tracker"


def test_tracker_files_one_ticket_per_incident_even_when_its_runs_race(tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    tracker = LocalTracker(tmp_path / "t.db")
    draft = TicketDraft(title="KeyError", body="b", fingerprint="fp1",
                        labels=["alertfix", "alertfix-inc-1"])
    with ThreadPoolExecutor(8) as pool:  # eight runs of one incident at once
        keys = set(pool.map(lambda _: LocalTracker(tmp_path / "t.db").create(draft).key,
                            range(8)))
    assert keys == {"AF-1"}
    other = tracker.create(draft.model_copy(update={"labels": ["alertfix", "alertfix-inc-2"]}))
    assert other.key == "AF-2"  # another incident of the fault files its own
    tracker.close("AF-1", "verified")
    assert tracker.create(draft).key == "AF-3"  # a closed one is never handed back


def test_forge_refuses_the_default_branch_and_merges_like_a_reviewer(
        tmp_path: Path, service: git.Repo) -> None:
    forge = LocalForge.import_repository(tmp_path / "home", Path(service.working_dir))
    assert forge.name == "svc" and git.Repo(forge.bare_path).bare
    clone = vcs.clone(forge.clone_url(), tmp_path / "clone")
    with pytest.raises(Refused) as refused:
        forge.push_branch(tmp_path / "clone", "main")
    assert isinstance(refused.value, ForgeRefused) and refused.value.port == "forge"
    with pytest.raises(ForgeRefused):
        forge.push_branch(tmp_path / "clone", "feature/x")
    base = clone.head.commit.hexsha
    vcs.commit_on_branch(clone, "alertfix/af-1-fix", base, {"app.py": "x = 2\n"}, "fix")
    forge.push_branch(tmp_path / "clone", "alertfix/af-1-fix")
    draft = PullRequestDraft(branch="alertfix/af-1-fix", base="main", title="Fix", body="b")
    pr = forge.open_pull_request(draft)
    assert forge.open_pull_request(draft.model_copy(update={"title": "Fix v2"})).number == \
        pr.number
    assert forge.get_pull_request(pr.number).title == "Fix v2"
    merged = forge.merge(pr.number, reviewer="rev")
    assert merged.status == "merged" and merged.merge_commit
    bare = git.Repo(forge.bare_path)
    merge_commit = bare.commit("main")
    assert merge_commit.hexsha == merged.merge_commit and len(merge_commit.parents) == 2
    assert merge_commit.author.name == "rev"
    # Re-importing the source never rewinds the merge done in the forge.
    LocalForge.import_repository(tmp_path / "home", Path(service.working_dir))
    assert git.Repo(forge.bare_path).commit("main").hexsha == merged.merge_commit


def test_deploy_tags_are_the_embedded_deploy_history(tmp_path: Path, service: git.Repo) -> None:
    first = service.head.commit.hexsha
    service.git.tag("-a", "deploy-1", "-m", "environment=production", first,
                    env={"GIT_COMMITTER_DATE": "2026-11-01T10:00:00+00:00"})
    second = _commit(service, "app.py", "x = 3\n", "second")
    service.git.tag("-a", "deploy-2", "-m", "environment=staging\nnotes", second,
                    env={"GIT_COMMITTER_DATE": "2026-11-02T10:00:00+00:00"})
    service.git.tag("deploy-9", second)  # lightweight: carries no date, not a deploy
    history = vcs.TagDeployHistory(Path(service.working_dir))
    deploys = history.deploys()
    assert [(d.name, d.environment) for d in deploys] == [
        ("deploy-1", "production"), ("deploy-2", "staging")]
    assert deploys[0].deployed_at == datetime(2026, 11, 1, 10, tzinfo=UTC)
    assert [d.name for d in history.deploys("staging")] == ["deploy-2"]
    assert vcs.deploy_containing(service, deploys, second).name == "deploy-2"  # type: ignore[union-attr]
    recorded = history.record(second)
    assert recorded.name == "deploy-10" and history.deploys()[-1].name == "deploy-10"
    assert vcs.blame_line(service, second, "app.py", 1) == second
