"""The GitHub forge, driving the real PyGithub and git against the GitHub stand-in."""

from __future__ import annotations

import logging
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from git import Repo

from tests.standins.github import GitHubStandIn, github_standin
from tools.doctor import Finding, check_github, format_findings
from tools.forge.github import ERRORS as FORGE_ERRORS
from tools.forge.github import GitHubForge, branch_name
from tools.github_auth import GitHubApp, RetryPolicy, call
from tools.ports import (
    Forge,
    ForgeNotFound,
    ForgeRefused,
    ForgeUnavailable,
    PullRequestDraft,
    Refused,
    Unavailable,
)

REPO = "acme/shop"


@pytest.fixture
def gh(tmp_path: Path) -> Iterator[GitHubStandIn]:
    with github_standin(tmp_path / "server") as server:
        server.create_repo(REPO, {"shop/cart.py": "def total(items):\n    return sum(items)\n"})
        yield server


def make_forge(gh: GitHubStandIn, sleeps: list[float] | None = None, **kw: object) -> GitHubForge:
    policy = RetryPolicy(attempts=3, backoff=0.01, max_wait=5.0,
                         sleep=(sleeps.append if sleeps is not None else lambda s: None))
    return GitHubForge(
        repo=str(kw.pop("repo", REPO)), app_id=gh.app_id,
        private_key_pem=str(kw.pop("private_key_pem", gh.private_key_pem)),
        installation_id=gh.installation_id, base_url=gh.api_url, git_url=gh.origin,
        retry=policy, **kw,  # type: ignore[arg-type]
    )


def commit_fix(workdir: Path, branch: str, text: str) -> str:
    repo = Repo(workdir)
    repo.git.checkout("-B", branch, "origin/main")
    (workdir / "shop").mkdir(exist_ok=True)
    (workdir / "shop/cart.py").write_text(text)
    repo.git.add("-A")
    repo.git.commit("-m", "fix", env={"GIT_AUTHOR_NAME": "a", "GIT_AUTHOR_EMAIL": "a@b",
                                      "GIT_COMMITTER_NAME": "a", "GIT_COMMITTER_EMAIL": "a@b"})
    return repo.head.commit.hexsha


def test_is_a_forge(gh: GitHubStandIn) -> None:
    forge: Forge = make_forge(gh)
    assert forge.default_branch == "main"
    assert forge.clone_url() == f"{gh.origin}/{REPO}.git"


def test_clone_push_and_one_pull_request_per_branch(
    gh: GitHubStandIn, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    forge = make_forge(gh)
    work = tmp_path / "work"
    forge.clone(work)
    branch = branch_name("SHOP-12", "ZeroDivisionError in cart total!")
    assert branch == "alertfix/SHOP-12-zerodivisionerror-in-cart-total"

    first = commit_fix(work, branch, "def total(items):\n    return sum(items or [])\n")
    forge.push_branch(work, branch)
    assert gh.branch_sha(REPO, branch) == first
    draft = PullRequestDraft(branch=branch, base="main", title="Fix total", body="RCA v1",
                             labels=["severity:error"], draft=True)
    pr = forge.open_pull_request(draft)
    assert (pr.status, pr.branch, pr.base, pr.head_sha) == ("open", branch, "main", first)
    stored = gh.pulls(REPO)[0]
    assert stored.labels == ["alertfix", "severity:error"] and stored.draft

    # A retry finds a better patch: same branch, force-pushed; the same PR is updated.
    better = commit_fix(work, branch, "def total(items):\n    return sum(items) if items else 0\n")
    forge.push_branch(work, branch)
    again = forge.open_pull_request(draft.model_copy(update={"title": "Fix total (v2)",
                                                             "body": "RCA v2"}))
    assert again.number == pr.number and again.head_sha == better
    assert len(gh.pulls(REPO)) == 1
    assert (gh.pulls(REPO)[0].title, gh.pulls(REPO)[0].body) == ("Fix total (v2)", "RCA v2")
    assert forge.find_pull_request(branch) == again
    assert forge.find_pull_request("alertfix/nothing") is None
    assert forge.open_pull_requests() == [again]

    forge.comment(pr.number, "Verification: no new events for 30 min")
    assert gh.pulls(REPO)[0].comments[0]["body"].startswith("Verification")

    # The token never reached .git/config, the remote URL, argv or a log line.
    tokens = [t.value for t in gh.tokens]
    assert len(tokens) == 1
    config = (work / ".git" / "config").read_text()
    assert Repo(work).remotes.origin.url == forge.clone_url()
    assert not any(t in config or t in caplog.text for t in tokens)
    # The exchange itself was logged (urllib3 at DEBUG), without the token: PyGithub masks the
    # Authorization header and does not log response bodies.
    assert "access_tokens" in caplog.text


def test_merged_state_and_merge_commit(gh: GitHubStandIn, tmp_path: Path) -> None:
    forge = make_forge(gh)
    work = tmp_path / "work"
    forge.clone(work)
    branch = "alertfix/SHOP-1-fix"
    commit_fix(work, branch, "def total(items):\n    return 0\n")
    forge.push_branch(work, branch)
    pr = forge.open_pull_request(PullRequestDraft(branch=branch, base="main", title="t", body="b"))
    assert forge.get_pull_request(pr.number).merge_commit is None

    assert [p.number for p in forge.open_pull_requests()] == [pr.number]
    merge = gh.merge_pull(REPO, pr.number)
    assert forge.open_pull_requests() == []
    merged = forge.get_pull_request(pr.number)
    assert (merged.status, merged.merge_commit) == ("merged", merge)
    forge.sync(work)  # what the agent does before verify: the merge is in the clone
    with Repo(work) as repo:
        assert repo.git.rev_parse("origin/main") == merge


def test_push_refuses_default_and_foreign_branches(gh: GitHubStandIn, tmp_path: Path) -> None:
    forge = make_forge(gh)
    work = tmp_path / "work"
    forge.clone(work)
    for branch in ("main", "feature/x"):
        with pytest.raises(ForgeRefused):
            forge.push_branch(work, branch)
    assert not [p for p in gh.paths() if "receive-pack" in p]


def test_deployments_and_their_statuses(gh: GitHubStandIn) -> None:
    sha = gh.branch_sha(REPO, "main")
    assert sha
    first = gh.add_deployment(REPO, sha)
    gh.add_deployment_status(REPO, first, "in_progress")
    gh.add_deployment_status(REPO, first, "success", "https://shop.example")
    second = gh.add_deployment(REPO, sha, environment="staging")
    gh.add_deployment_status(REPO, second, "failure")
    forge = make_forge(gh)

    deps = forge.deployments()
    assert [(d.id, d.environment, d.state) for d in deps] == [
        (second, "staging", "failure"), (first, "production", "success")]
    assert [s.state for s in deps[1].statuses] == ["success", "in_progress"]
    assert [d.id for d in forge.deployments(environment="production")] == [first]
    assert [(d.name, d.sha) for d in forge.deploys()] == [(f"deployment-{first}", sha)]


def test_token_is_refreshed_before_it_expires(gh: GitHubStandIn) -> None:
    now = [datetime.now(UTC)]
    gh.clock = lambda: now[0]
    app = GitHubApp(app_id=gh.app_id, private_key_pem=gh.private_key_pem,
                    installation_id=gh.installation_id, base_url=gh.api_url,
                    refresh_margin=timedelta(minutes=5), clock=lambda: now[0])
    forge = GitHubForge(repo=REPO, app=app, git_url=gh.origin)
    assert forge.default_branch == "main"
    forge.find_pull_request("alertfix/x")
    assert len(gh.tokens) == 1
    now[0] += timedelta(minutes=54)  # 6 minutes left: still fine
    forge.find_pull_request("alertfix/x")
    assert len(gh.tokens) == 1
    now[0] += timedelta(minutes=2)  # 4 minutes left: inside the margin, exchange again
    forge.find_pull_request("alertfix/x")
    assert len(gh.tokens) == 2
    last = gh.requests[-1].headers["authorization"]
    assert last == f"token {gh.tokens[1].value}"


# ---------------------------------------------------------------- error paths


def test_missing_permission_is_named(tmp_path: Path) -> None:
    perms = {"metadata": "read", "contents": "write", "pull_requests": "read"}
    with github_standin(tmp_path / "s", permissions=perms) as gh:
        gh.create_repo(REPO)
        forge = make_forge(gh)
        work = tmp_path / "work"
        forge.clone(work)
        commit_fix(work, "alertfix/A-1", "x = 1\n")
        forge.push_branch(work, "alertfix/A-1")
        with pytest.raises(ForgeRefused, match="pull_requests=write"):
            forge.open_pull_request(PullRequestDraft(branch="alertfix/A-1", base="main",
                                                     title="t", body="b"))


def test_push_without_contents_write_is_a_permission_error(tmp_path: Path) -> None:
    with github_standin(tmp_path / "s", permissions={"metadata": "read",
                                                     "contents": "read"}) as gh:
        gh.create_repo(REPO)
        forge = make_forge(gh)
        work = tmp_path / "work"
        forge.clone(work)
        commit_fix(work, "alertfix/A-1", "x = 1\n")
        with pytest.raises(ForgeRefused, match="contents=write"):
            forge.push_branch(work, "alertfix/A-1")


def test_wrong_private_key_is_an_auth_error(gh: GitHubStandIn) -> None:
    other = GitHubStandIn(gh.root / "other").private_key_pem
    with pytest.raises(Refused, match="App id, the private key") as caught:
        make_forge(gh, private_key_pem=other).find_pull_request("alertfix/x")
    assert isinstance(caught.value, ForgeRefused)  # the token's failure, as the forge's
    with pytest.raises(ForgeRefused, match="PEM"):
        make_forge(gh, private_key_pem="not a key").find_pull_request("alertfix/x")


def test_unknown_repository_is_not_found(gh: GitHubStandIn) -> None:
    with pytest.raises(ForgeNotFound, match="installed on acme/nope"):
        make_forge(gh, repo="acme/nope").get_pull_request(1)


def test_pull_request_for_unpushed_branch_is_a_conflict(gh: GitHubStandIn) -> None:
    with pytest.raises(ForgeRefused, match="Push branch alertfix/none"):
        make_forge(gh).open_pull_request(
            PullRequestDraft(branch="alertfix/none", base="main", title="t", body="b"))


def test_pull_request_already_exists_race_returns_the_existing_one(
    gh: GitHubStandIn, tmp_path: Path
) -> None:
    forge = make_forge(gh)
    work = tmp_path / "work"
    forge.clone(work)
    commit_fix(work, "alertfix/A-2", "y = 2\n")
    forge.push_branch(work, "alertfix/A-2")
    draft = PullRequestDraft(branch="alertfix/A-2", base="main", title="t", body="b")
    first = forge.open_pull_request(draft)
    # The lookup misses (as if another worker's PR were not yet listed); create answers 422.
    gh.fail("GET", r"/pulls$", status=200, body=[], times=1)
    assert forge.open_pull_request(draft).number == first.number
    assert len(gh.pulls(REPO)) == 1


def test_rate_limits_honour_retry_after_within_a_bound(gh: GitHubStandIn) -> None:
    sleeps: list[float] = []
    forge = make_forge(gh, sleeps)
    forge.find_pull_request("alertfix/x")  # token exchanged
    gh.fail("GET", r"/pulls$", status=429, headers={"Retry-After": "2"},
            body={"message": "API rate limit exceeded"})
    gh.fail("GET", r"/pulls$", status=403, headers={"Retry-After": "1"},
            body={"message": "You have exceeded a secondary rate limit."})
    assert forge.find_pull_request("alertfix/x") is None
    assert sleeps == [2.0, 1.0]

    gh.fail("GET", r"/pulls$", status=403, headers={"Retry-After": "3600"},
            body={"message": "API rate limit exceeded"})
    with pytest.raises(Unavailable, match="3600s") as caught:
        forge.find_pull_request("alertfix/x")
    assert isinstance(caught.value, ForgeUnavailable) and caught.value.port == "forge"
    assert caught.value.retry_after == 3600.0
    assert sleeps == [2.0, 1.0]  # an hour is beyond the bound: escalate, do not block


def test_connection_errors_back_off_then_escalate(gh: GitHubStandIn) -> None:
    sleeps: list[float] = []
    forge = make_forge(gh, sleeps)
    forge.find_pull_request("alertfix/x")
    gh.fail("GET", r"/pulls/1$", drop=True, times=2)
    with pytest.raises(ForgeNotFound):  # reached GitHub on the third try: a real answer
        forge.get_pull_request(1)
    assert sleeps == [0.01, 0.02]

    sleeps.clear()
    gh.fail("GET", r"/pulls/1$", drop=True, times=3)
    with pytest.raises(ForgeUnavailable, match="after 3 tries"):
        forge.get_pull_request(1)
    gh.fail("GET", r"/pulls/1$", status=502, times=3)
    with pytest.raises(ForgeUnavailable, match="502"):
        forge.get_pull_request(1)


def test_git_connection_errors_escalate(gh: GitHubStandIn, tmp_path: Path) -> None:
    sleeps: list[float] = []
    forge = make_forge(gh, sleeps)
    gh.fail("GET", r"\.git/info/refs$", status=503, times=5)
    with pytest.raises(ForgeUnavailable, match="clone"):
        forge.clone(tmp_path / "work")
    assert len(sleeps) == 2


def test_stand_in_serves_plain_git(gh: GitHubStandIn, tmp_path: Path) -> None:
    """The git endpoint refuses anonymous access, as a private repository does."""
    out = subprocess.run(["git", "ls-remote", gh.git_url(REPO)], capture_output=True,
                         text=True, env={"GIT_TERMINAL_PROMPT": "0", "PATH": "/usr/bin:/bin"})
    assert out.returncode != 0


# ---------------------------------------------------------------- doctor


def doctor(gh: GitHubStandIn, **kw: object) -> list[Finding]:
    args: dict[str, object] = {
        "repo": REPO, "app_id": gh.app_id, "private_key_pem": gh.private_key_pem,
        "installation_id": gh.installation_id, "base_url": gh.api_url,
        "retry": RetryPolicy(attempts=1), **kw}
    return check_github(**args)  # type: ignore[arg-type]


def test_doctor_all_good(gh: GitHubStandIn) -> None:
    findings = doctor(gh, issues=True)
    assert all(f.ok for f in findings), format_findings(findings)
    assert {f.check for f in findings} >= {
        "app authentication", "webhook events", "installation", "permission contents",
        "permission issues", "repository"}


def test_doctor_names_what_is_missing_and_how_to_fix_it(tmp_path: Path) -> None:
    perms = {"metadata": "read", "contents": "read", "pull_requests": "write"}
    with github_standin(tmp_path, permissions=perms) as gh:
        gh.create_repo(REPO)
        failed = {f.check: f for f in doctor(gh, repo="acme/other") if not f.ok}
        assert set(failed) == {"permission contents", "permission checks",
                               "permission deployments", "repository"}
        assert "Contents: Read and write" in failed["permission contents"].fix
        assert "Repository access" in failed["repository"].fix
        text = format_findings(failed.values())
        assert text.count("[FAIL]") == 4 and text.count("fix:") == 4

        bad_key = doctor(gh, private_key_pem=GitHubStandIn(tmp_path / "o").private_key_pem)
        assert [(f.check, f.ok) for f in bad_key] == [("app authentication", False)]
        garbage = doctor(gh, private_key_pem="-----BEGIN RSA PRIVATE KEY-----\nx\n")
        assert [(f.check, f.ok) for f in garbage] == [("app authentication", False)]
        wrong_installation = doctor(gh, installation_id=5)
        assert [(f.check, f.ok) for f in wrong_installation][-1] == ("installation", False)


def test_lost_answers_never_make_a_second_pull_request(gh: GitHubStandIn, tmp_path: Path) -> None:
    """GitHub opened the PR but the answer was lost: the retry finds it instead of failing."""
    forge = make_forge(gh)
    work = tmp_path / "work"
    forge.clone(work)
    commit_fix(work, "alertfix/A-3", "z = 3\n")
    forge.push_branch(work, "alertfix/A-3")
    draft = PullRequestDraft(branch="alertfix/A-3", base="main", title="t", body="b",
                             labels=["severity:fatal"])
    gh.fail("POST", r"/pulls$", drop_after=True)
    pr = forge.open_pull_request(draft)
    assert len(gh.pulls(REPO)) == 1 and gh.pulls(REPO)[0].labels == ["alertfix",
                                                                      "severity:fatal"]
    # GitHub unreachable for good: the incident gets a clear error, and a later run succeeds.
    gh.fail("GET", r"/pulls", drop=True, times=3)
    with pytest.raises(ForgeUnavailable):
        forge.open_pull_request(draft)
    assert forge.open_pull_request(draft).number == pr.number
    assert len(gh.pulls(REPO)) == 1


def test_git_rejects_a_revoked_token(gh: GitHubStandIn, tmp_path: Path) -> None:
    gh.fail("GET", r"\.git/info/refs$", status=401, headers={"WWW-Authenticate": "Basic"})
    with pytest.raises(ForgeRefused, match="rejected the installation token"):
        make_forge(gh).clone(tmp_path / "work")


def test_a_better_patch_never_discards_a_reviewers_commit(
    gh: GitHubStandIn, tmp_path: Path
) -> None:
    forge = make_forge(gh)
    work = tmp_path / "work"
    forge.clone(work)
    branch = "alertfix/A-4"
    commit_fix(work, branch, "v = 1\n")
    forge.push_branch(work, branch)
    forge.push_branch(work, branch)  # nothing new: a no-op
    # A reviewer adds a commit to the fix branch.
    human = tmp_path / "human"
    Repo.clone_from(str(gh.repos[REPO].path), human, branch=branch)
    (human / "NOTE").write_text("reviewed\n")
    Repo(human).git.add("-A")
    Repo(human).git.commit("-m", "review", env={
        "GIT_AUTHOR_NAME": "r", "GIT_AUTHOR_EMAIL": "reviewer@acme.test",
        "GIT_COMMITTER_NAME": "r", "GIT_COMMITTER_EMAIL": "reviewer@acme.test"})
    Repo(human).git.push("origin", branch)
    reviewed = gh.branch_sha(REPO, branch)

    commit_fix(work, branch, "v = 2\n")  # a retry rebuilds the branch from main
    with pytest.raises(ForgeRefused, match=r"reviewer@acme\.test"):
        forge.push_branch(work, branch)
    assert gh.branch_sha(REPO, branch) == reviewed


def test_token_exchange_failing_inside_a_request_keeps_its_meaning(gh: GitHubStandIn) -> None:
    """PyGithub asks for the token mid-request; a failed exchange surfaces as unavailable."""
    app = GitHubApp(app_id=gh.app_id, private_key_pem=gh.private_key_pem,
                    installation_id=gh.installation_id, base_url=gh.api_url,
                    retry=RetryPolicy(attempts=2, backoff=0, sleep=lambda s: None))
    client = app.client()
    gh.fail("POST", r"/access_tokens$", drop=True, times=4)
    with pytest.raises(ForgeUnavailable, match="installation token"):
        call(lambda: client.get_repo(REPO), "read the repository", FORGE_ERRORS, app.retry)
