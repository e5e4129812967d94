"""The GitHub forge: branches, pull requests and deployments through a GitHub App.

API calls go through PyGithub; clones, fetches and pushes are plain git (GitPython) over HTTPS
with the installation token. The token travels in git's environment (GIT_CONFIG_COUNT/KEY/VALUE
→ `http.<host>.extraHeader`), so it is in neither argv, the remote URL, `.git/config` nor a log.

alertfix never merges and never pushes the default branch: `push_branch` refuses any branch
outside `branch_prefix`. A retry that finds a better patch force-pushes the same branch and
`open_pull_request` updates the PR already open on it.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import Literal, TypeVar

from git import GitCommandError, Repo
from github import GithubException
from github.Deployment import Deployment
from github.PullRequest import PullRequest
from github.Repository import Repository
from pydantic import BaseModel

from tools.github_auth import ErrorTypes, GitHubApp, RetryPolicy, call, git_base_url
from tools.ports import (
    Deploy,
    ForgeError,
    ForgeNotFound,
    ForgeRefused,
    ForgeUnavailable,
    PullRequestDraft,
    PullRequestInfo,
)

T = TypeVar("T")


ERRORS = ErrorTypes(ForgeUnavailable, ForgeRefused, ForgeNotFound)


class DeploymentStatusInfo(BaseModel):
    state: str  # success, failure, error, inactive, in_progress, queued, pending
    created_at: datetime
    environment_url: str = ""


class DeploymentInfo(BaseModel):
    id: int
    sha: str
    ref: str
    environment: str
    created_at: datetime
    statuses: list[DeploymentStatusInfo]  # newest first, as GitHub returns them

    @property
    def state(self) -> str:
        return self.statuses[0].state if self.statuses else "pending"


def branch_name(ticket_key: str, title: str, prefix: str = "alertfix/") -> str:
    """`alertfix/<ticket>-<slug>`: stable for one ticket, so a retry lands on the same branch."""
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:40].rstrip("-")
    key = re.sub(r"[^A-Za-z0-9_-]+", "-", ticket_key)
    return f"{prefix}{key}-{slug}" if slug else f"{prefix}{key}"


class GitHubForge:
    """The `Forge` Protocol on one GitHub repository, acting as a GitHub App installation."""

    def __init__(
        self,
        *,
        repo: str,
        app_id: int | str | None = None,
        private_key_pem: str | None = None,
        installation_id: int | None = None,
        base_url: str = "https://api.github.com",
        git_url: str | None = None,
        app: GitHubApp | None = None,
        branch_prefix: str = "alertfix/",
        labels: tuple[str, ...] = ("alertfix",),
        always_draft: bool = False,
        default_branch: str | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        """Pass `app` to share one token with the GitHub Issues tracker, or the App settings."""
        if app is None:
            if app_id is None or private_key_pem is None or installation_id is None:
                raise ValueError("GitHubForge needs app, or app_id, private_key_pem and "
                                 "installation_id")
            app = GitHubApp(app_id=app_id, private_key_pem=private_key_pem,
                            installation_id=installation_id, base_url=base_url, retry=retry)
        self.app = app
        self.full_name = repo
        self.branch_prefix = branch_prefix
        self.labels = labels
        self.always_draft = always_draft
        self.retry = retry or app.retry
        self._git_base = (git_url or git_base_url(app.base_url)).rstrip("/")
        self._default_branch = default_branch
        self._repo: Repository | None = None

    # ------------------------------------------------------------ plumbing

    def _call(self, fn: Callable[[], T], what: str) -> T:
        # Exchange (or reuse) the token first, so its failures carry the forge's error types.
        self.app.installation_token(ERRORS)
        return call(fn, what, ERRORS, self.retry,
                    hint=f"Is the App installed on {self.full_name}, and does it exist?")

    @property
    def _gh_repo(self) -> Repository:
        if self._repo is None:
            self._repo = self.app.client(lazy=True).get_repo(self.full_name)
        return self._repo

    @property
    def default_branch(self) -> str:
        if self._default_branch is None:
            self._default_branch = self._call(
                lambda: self.app.client().get_repo(self.full_name).default_branch,
                f"read repository {self.full_name}",
            )
        return self._default_branch

    @default_branch.setter
    def default_branch(self, value: str) -> None:
        self._default_branch = value

    # ------------------------------------------------------------ git

    def clone_url(self) -> str:
        return f"{self._git_base}/{self.full_name}.git"

    def git_env(self) -> dict[str, str]:
        """Environment that authenticates git to this forge's host only, for one command."""
        token = self.app.installation_token(ERRORS).token
        basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
        return {
            "GIT_CONFIG_COUNT": "1",
            "GIT_CONFIG_KEY_0": f"http.{self._git_base}/.extraHeader",
            "GIT_CONFIG_VALUE_0": f"Authorization: Basic {basic}",
            "GIT_TERMINAL_PROMPT": "0",  # a bad token fails instead of waiting for a password
        }

    def _git(self, what: str, run: Callable[[dict[str, str]], T]) -> T:
        env = self.git_env()
        token = self.app.installation_token(ERRORS).token
        for attempt in range(self.retry.attempts):
            try:
                return run(env)
            except GitCommandError as exc:
                text = f"{exc.stderr or ''} {exc.stdout or ''}".replace(token, "***")
                error = self._git_error(what, text, write="push" in what)
                if not isinstance(error, ForgeUnavailable):
                    raise error from None
                if attempt == self.retry.attempts - 1:
                    raise ForgeUnavailable(f"{error} (after {self.retry.attempts} tries)") from None
                self.retry.sleep(self.retry.delay(attempt))
        raise AssertionError("unreachable")

    def _git_error(self, what: str, text: str, write: bool) -> ForgeError:
        """What git's stderr means, as one of the forge's errors."""
        line = _first_line(text)
        found = re.search(r"returned error: (\d{3})", text)
        code = int(found.group(1)) if found else 0
        # A 401 makes git ask for a password, which GIT_TERMINAL_PROMPT=0 turns into this:
        if code == 401 or "could not read Username" in text or "Authentication failed" in text:
            return ForgeRefused(f"git could not {what}: GitHub rejected the installation "
                                f"token. {line}")
        if code == 403:
            need = "contents=write" if write else "contents=read"
            return ForgeRefused(f"git could not {what}: the App lacks permission "
                                f"{need}. {line}")
        if code == 404 or "not found" in text.lower():
            return ForgeNotFound(f"git could not {what}: repository {self.full_name} not found, "
                                 "or the App is not installed on it.")
        if code >= 500 or code == 429 or any(s in text for s in _TRANSIENT):
            return ForgeUnavailable(f"git could not {what}: {line}")
        return ForgeRefused(f"git could not {what}: {line}")

    def clone(self, dest: Path) -> Repo:
        """Clone the repository into `dest`; the remote URL stored holds no credentials. The
        caller closes the Repo returned."""
        return self._git(f"clone {self.full_name}",
                         lambda env: Repo.clone_from(self.clone_url(), dest, env=env))

    def sync(self, dest: Path) -> None:
        """The workspace clone, up to date: branches, tags and deleted refs pruned."""
        if not (dest / ".git").exists():
            self.clone(dest).close()
            return
        with Repo(dest) as repo:
            self._git(f"fetch {self.full_name}", lambda env: repo.git.fetch(
                self.clone_url(), "--prune", "--tags", "--force",
                "+refs/heads/*:refs/remotes/origin/*", env=env))

    def push_branch(self, workdir: Path, branch: str) -> None:
        """Push `branch` (alertfix's own); a better patch replaces the previous one.

        When the branch on GitHub has diverged, it is overwritten only if every commit there
        that the new patch lacks has the same author as the new patch (alertfix's earlier
        attempt); a reviewer's commits are never thrown away. The lease makes the check and
        the push atomic against a push that lands in between.
        """
        if branch == self._default_branch or not branch.startswith(self.branch_prefix):
            raise ForgeRefused(
                f"alertfix pushes only its own branches ({self.branch_prefix}*), never "
                f"{branch!r}."
            )
        if branch == self.default_branch:
            raise ForgeRefused(f"alertfix never pushes the default branch {branch!r}.")
        with Repo(workdir) as repo:
            self._push(repo, branch)

    def _push(self, repo: Repo, branch: str) -> None:
        url, ref = self.clone_url(), f"refs/heads/{branch}"
        what = f"push {branch} to {self.full_name}"
        local = str(repo.git.rev_parse(ref))
        listed = self._git(what, lambda env: str(repo.git.ls_remote(url, ref, env=env)))
        remote = listed.split()[0] if listed.strip() else None
        if remote == local:
            return  # already there: a re-run is a no-op
        fast_forward = remote is None or (
            _has(repo, remote) and repo.is_ancestor(remote, local))  # type: ignore[arg-type]
        if not fast_forward:
            self._git(what, lambda env: repo.git.fetch(url, ref, env=env))
            mine = str(repo.git.log("-1", "--format=%ae", local))
            theirs = str(repo.git.log("--format=%ae", f"{local}..{remote}")).split()
            foreign = sorted({email for email in theirs if email != mine})
            if foreign:
                raise ForgeRefused(
                    f"Branch {branch} on GitHub has commits by {', '.join(foreign)} that the "
                    "new patch would discard; alertfix does not overwrite them. Build the fix "
                    "on top of that branch, or delete it to start over."
                )
        lease = f"--force-with-lease={ref}:{remote or ''}"
        self._git(what, lambda env: repo.git.push(lease, url, f"{ref}:{ref}", env=env))

    # ------------------------------------------------------------ pull requests

    def _info(self, pr: PullRequest) -> PullRequestInfo:
        status: Literal["open", "merged", "closed"] = (
            "merged" if pr.merged else "open" if pr.state == "open" else "closed"
        )
        return PullRequestInfo(
            number=pr.number, branch=pr.head.ref, base=pr.base.ref, title=pr.title,
            status=status, url=pr.html_url, head_sha=pr.head.sha,
            merge_commit=pr.merge_commit_sha if pr.merged else None, draft=bool(pr.draft),
        )

    def _open_pull(self, branch: str) -> PullRequest | None:
        owner = self.full_name.split("/")[0]
        pulls = self._gh_repo.get_pulls(state="open", head=f"{owner}:{branch}")
        return next(iter(pulls), None)

    def find_pull_request(self, branch: str) -> PullRequestInfo | None:
        """The open PR on `branch`, else the newest closed or merged one."""
        def find() -> PullRequestInfo | None:
            pr = self._open_pull(branch)
            if pr is None:
                owner = self.full_name.split("/")[0]
                pr = next(iter(self._gh_repo.get_pulls(state="all", head=f"{owner}:{branch}")),
                          None)
            return self._info(pr) if pr else None

        return self._call(find, f"look up the pull request for branch {branch}")

    def get_pull_request(self, number: int) -> PullRequestInfo:
        return self._call(lambda: self._info(self._gh_repo.get_pull(number)),
                          f"read pull request #{number}")

    def open_pull_request(self, draft: PullRequestDraft) -> PullRequestInfo:
        """Open the PR, or update the one already open on the branch (never a second PR)."""
        labels = list(dict.fromkeys([*self.labels, *draft.labels]))

        def open_or_update() -> PullRequest:
            pr = self._open_pull(draft.branch)
            if pr is None:
                try:
                    pr = self._gh_repo.create_pull(
                        base=draft.base, head=draft.branch, title=draft.title, body=draft.body,
                        draft=draft.draft or self.always_draft,
                    )
                except GithubException as exc:
                    # A PR opened between our lookup and create (a re-run racing itself).
                    if exc.status != 422 or "already exists" not in str(exc.data):
                        raise
                    pr = self._open_pull(draft.branch)
                    if pr is None:
                        raise
            if pr.title != draft.title or (pr.body or "") != draft.body:
                pr.edit(title=draft.title, body=draft.body)
            missing = [name for name in labels if name not in {lb.name for lb in pr.labels}]
            if missing:
                pr.add_to_labels(*missing)
            return pr

        try:
            pr = self._call(open_or_update, f"open a pull request from {draft.branch}")
        except ForgeRefused as exc:
            raise ForgeRefused(
                f"{exc} Push branch {draft.branch} and check that base {draft.base} exists."
            ) from None
        # Read back: labels and head sha as GitHub now has them.
        return self.get_pull_request(pr.number)

    def open_pull_requests(self) -> list[PullRequestInfo]:
        """alertfix's open pull requests: those whose branch carries `branch_prefix`."""
        return self._call(
            lambda: [self._info(pr) for pr in self._gh_repo.get_pulls(state="open")
                     if pr.head.ref.startswith(self.branch_prefix)],
            "list open pull requests")

    def comment(self, number: int, body: str) -> None:
        self._call(lambda: self._gh_repo.get_issue(number).create_comment(body),
                   f"comment on pull request #{number}")

    # ------------------------------------------------------------ deployments

    def deployments(self, environment: str | None = None, sha: str | None = None,
                    limit: int = 30) -> list[DeploymentInfo]:
        """Deployments newest first, each with its statuses (newest first)."""
        def read() -> list[DeploymentInfo]:
            kwargs: dict[str, str] = {}
            if environment:
                kwargs["environment"] = environment
            if sha:
                kwargs["sha"] = sha
            out: list[DeploymentInfo] = []
            # islice, not [:limit]: PyGithub's slice of an empty list raises IndexError.
            deps: list[Deployment] = list(islice(self._gh_repo.get_deployments(**kwargs), limit))
            for dep in deps:
                statuses = [
                    DeploymentStatusInfo(state=s.state, created_at=_utc(s.created_at),
                                         environment_url=s.environment_url or "")
                    for s in dep.get_statuses()
                ]
                out.append(DeploymentInfo(
                    id=dep.id, sha=dep.sha, ref=dep.ref, environment=dep.environment,
                    created_at=_utc(dep.created_at), statuses=statuses,
                ))
            return out

        return self._call(read, "list deployments")

    def deploys(self, environment: str | None = None) -> list[Deploy]:
        """`DeployHistory`: successful deployments, oldest first, timed by their success."""
        out = []
        for dep in self.deployments(environment=environment):
            ok = [s for s in dep.statuses if s.state == "success"]
            if ok:
                out.append(Deploy(name=f"deployment-{dep.id}", sha=dep.sha,
                                  environment=dep.environment, deployed_at=ok[-1].created_at))
        return sorted(out, key=lambda d: d.deployed_at)


def _has(repo: Repo, sha: str) -> bool:
    """Whether the clone already has this commit (else it must be fetched to compare)."""
    try:
        repo.git.cat_file("-e", f"{sha}^{{commit}}")
    except GitCommandError:
        return False
    return True


_TRANSIENT = ("Could not resolve host", "Couldn't connect", "Failed to connect", "timed out",
              "Empty reply", "Connection reset", "early EOF", "RPC failed")


def _utc(ts: datetime) -> datetime:
    return ts if ts.tzinfo else ts.replace(tzinfo=UTC)


def _first_line(text: str) -> str:
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    meaningful = [ln for ln in lines if ln.startswith(("fatal", "error", "remote", "!"))]
    return (meaningful or lines or [""])[0][:300]
