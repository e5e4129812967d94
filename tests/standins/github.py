"""A stateful stand-in for the GitHub REST API and git smart-HTTP, for the real PyGithub.

Usage (a pytest fixture)::

    from tests.standins.github import github_standin

    @pytest.fixture
    def gh(tmp_path):
        with github_standin(tmp_path) as server:
            server.create_repo("acme/shop", {"shop/cart.py": "..."})
            yield server

    server.api_url            # http://127.0.0.1:PORT/api/v3   -> base_url for PyGithub
    server.git_url("acme/shop")  # http://127.0.0.1:PORT/acme/shop.git (clone/push with a token)
    server.app_id, server.private_key_pem, server.installation_id   -> App auth settings

It speaks GitHub's wire format for the endpoints alertfix uses: the App token exchange (the
JWT is verified against the App's public key), repositories, pull requests, issues, labels,
comments, deployments and their statuses, check runs, collaborators. Installation permissions
are enforced per endpoint and a refusal is a 403 with `X-Accepted-GitHub-Permissions`, as
GitHub sends.
Git goes through the real `git http-backend` (CGI) with Basic auth `x-access-token:<token>`.
Test helpers (`merge_pull`, `add_deployment`, `add_check_run`, ...) change state the way the
outside world would. `fail(...)` (from the base) injects 401/403/429/5xx or dropped connections.
"""

from __future__ import annotations

import base64
import itertools
import os
import secrets
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.standins._http import Request, Response, StandInServer, json_response

ALL_PERMISSIONS: dict[str, str] = {
    "metadata": "read",
    "contents": "write",
    "pull_requests": "write",
    "issues": "write",
    "checks": "read",
    "deployments": "read",
    "statuses": "read",
}

_GIT_ENV = {
    "GIT_AUTHOR_NAME": "stand-in",
    "GIT_AUTHOR_EMAIL": "standin@example.invalid",
    "GIT_COMMITTER_NAME": "stand-in",
    "GIT_COMMITTER_EMAIL": "standin@example.invalid",
}
_LEVEL = {"read": 1, "write": 2}
_R = r"/api/v3/repos/(?P<owner>[^/]+)/(?P<repo>[^/]+)"


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(ts: datetime) -> str:
    return ts.strftime("%Y-%m-%dT%H:%M:%SZ")


def _git(cwd: Path, *args: str, input: bytes | None = None) -> str:
    out = subprocess.run(
        ["git", *args], cwd=cwd, input=input, capture_output=True, check=True,
        env={**os.environ, **_GIT_ENV},
    )
    return out.stdout.decode().strip()


@dataclass
class Item:
    """An issue or a pull request: GitHub numbers both from one sequence."""

    number: int
    title: str
    body: str
    kind: str  # "issue" | "pull"
    state: str = "open"
    state_reason: str | None = None
    labels: list[str] = field(default_factory=list)
    comments: list[dict[str, Any]] = field(default_factory=list)
    created_at: datetime = field(default_factory=_now)
    closed_at: datetime | None = None
    head: str = ""  # pulls only
    base: str = ""
    draft: bool = False
    merged: bool = False
    merge_commit_sha: str | None = None
    closed_head_sha: str | None = None


@dataclass
class Repo:
    full_name: str
    path: Path
    default_branch: str
    items: dict[int, Item] = field(default_factory=dict)
    deployments: list[dict[str, Any]] = field(default_factory=list)
    statuses: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    check_runs: list[dict[str, Any]] = field(default_factory=list)
    collaborators: dict[str, str] = field(default_factory=dict)  # login → admin, write, read...


@dataclass
class Token:
    value: str
    installation_id: int
    expires_at: datetime
    permissions: dict[str, str]


class GitHubStandIn(StandInServer):
    def __init__(
        self,
        root: Path,
        *,
        app_id: int = 4242,
        installation_id: int = 77,
        permissions: dict[str, str] | None = None,
        token_ttl: timedelta = timedelta(hours=1),
        clock: Callable[[], datetime] = _now,
    ) -> None:
        super().__init__()
        self.root = root
        self.app_id = app_id
        self.installation_id = installation_id
        self.permissions = dict(ALL_PERMISSIONS if permissions is None else permissions)
        self.token_ttl = token_ttl
        self.clock = clock  # tokens are issued and expire on this clock (tests move it)
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.private_key_pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        ).decode()
        self._public_key = key.public_key()
        self.repos: dict[str, Repo] = {}
        self.tokens: list[Token] = []  # every token issued, oldest first
        self._ids = itertools.count(1000)
        self._register()

    # ------------------------------------------------------------ addresses

    @property
    def api_url(self) -> str:
        return f"{self.origin}/api/v3"

    def git_url(self, full_name: str) -> str:
        return f"{self.origin}/{full_name}.git"

    # ------------------------------------------------------------ test helpers

    def create_repo(
        self, full_name: str, files: dict[str, str] | None = None, default_branch: str = "main"
    ) -> Path:
        """A bare repository with one commit holding `files`, served at git_url(full_name)."""
        bare = self.root / "git" / f"{full_name}.git"
        bare.parent.mkdir(parents=True, exist_ok=True)
        _git(self.root, "init", "-q", "--bare", "-b", default_branch, str(bare))
        with tempfile.TemporaryDirectory(dir=self.root) as work:
            wd = Path(work)
            _git(wd, "init", "-q", "-b", default_branch)
            for rel, text in (files or {"README.md": "# repo\n"}).items():
                (wd / rel).parent.mkdir(parents=True, exist_ok=True)
                (wd / rel).write_text(text)
            _git(wd, "add", "-A")
            _git(wd, "commit", "-q", "-m", "initial")
            _git(wd, "push", "-q", str(bare), f"HEAD:refs/heads/{default_branch}")
        with self.lock:
            self.repos[full_name] = Repo(full_name, bare, default_branch)
        return bare

    def branch_sha(self, full_name: str, branch: str) -> str | None:
        try:
            return _git(self.repos[full_name].path, "rev-parse", "--verify", f"refs/heads/{branch}")
        except subprocess.CalledProcessError:
            return None

    def merge_pull(self, full_name: str, number: int) -> str:
        """Merge as a reviewer would (a real merge commit in the bare repo); returns its sha."""
        repo = self.repos[full_name]
        pr = repo.items[number]
        base_sha = self.branch_sha(full_name, pr.base)
        head_sha = self.branch_sha(full_name, pr.head)
        assert base_sha and head_sha, "both branches must exist"
        tree = _git(repo.path, "merge-tree", "--write-tree", base_sha, head_sha).splitlines()[0]
        merge = _git(
            repo.path, "commit-tree", tree, "-p", base_sha, "-p", head_sha,
            "-m", f"Merge pull request #{number} from {pr.head}",
        )
        _git(repo.path, "update-ref", f"refs/heads/{pr.base}", merge)
        with self.lock:
            pr.state, pr.merged, pr.merge_commit_sha = "closed", True, merge
            pr.closed_at, pr.closed_head_sha = _now(), head_sha
        return merge

    def add_deployment(
        self, full_name: str, sha: str, environment: str = "production", ref: str = "main"
    ) -> int:
        with self.lock:
            dep_id = next(self._ids)
            self.repos[full_name].deployments.append({
                "id": dep_id, "sha": sha, "ref": ref, "environment": environment,
                "task": "deploy", "created_at": _iso(_now()), "updated_at": _iso(_now()),
            })
            self.repos[full_name].statuses[dep_id] = []
            return dep_id

    def add_deployment_status(
        self, full_name: str, deployment_id: int, state: str, environment_url: str = ""
    ) -> None:
        with self.lock:
            self.repos[full_name].statuses[deployment_id].append({
                "id": next(self._ids), "state": state, "environment_url": environment_url,
                "created_at": _iso(_now()), "updated_at": _iso(_now()),
            })

    def add_check_run(
        self, full_name: str, sha: str, name: str,
        status: str = "completed", conclusion: str | None = "success",
    ) -> None:
        with self.lock:
            self.repos[full_name].check_runs.append({
                "id": next(self._ids), "head_sha": sha, "name": name, "status": status,
                "conclusion": conclusion, "started_at": _iso(_now()),
                "completed_at": _iso(_now()) if status == "completed" else None,
            })

    def pulls(self, full_name: str) -> list[Item]:
        return [i for i in self.repos[full_name].items.values() if i.kind == "pull"]

    def issues(self, full_name: str) -> list[Item]:
        return [i for i in self.repos[full_name].items.values() if i.kind == "issue"]

    # ------------------------------------------------------------ auth

    def _bearer(self, req: Request) -> str:
        value = req.headers.get("authorization", "")
        scheme, _, cred = value.partition(" ")
        if scheme.lower() == "basic":  # git: x-access-token:<token>
            return base64.b64decode(cred).decode().partition(":")[2]
        return cred if scheme.lower() in ("token", "bearer") else ""

    def _app_ok(self, req: Request) -> bool:
        try:
            claims = jwt.decode(self._bearer(req), self._public_key, algorithms=["RS256"])
        except jwt.PyJWTError:
            return False
        return str(claims.get("iss")) == str(self.app_id)

    def _token(self, req: Request) -> Token | None:
        value = self._bearer(req)
        with self.lock:
            for tok in self.tokens:
                if secrets.compare_digest(tok.value, value) and tok.expires_at > self.clock():
                    return tok
        return None

    def _check(self, req: Request, perm: str, level: str) -> Response | None:
        """None when the installation token may do this; otherwise GitHub's refusal."""
        tok = self._token(req)
        if tok is None:
            return json_response(401, {
                "message": "Bad credentials", "documentation_url": "https://docs.github.com/rest",
            })
        if _LEVEL.get(tok.permissions.get(perm, ""), 0) < _LEVEL[level]:
            return json_response(
                403,
                {"message": "Resource not accessible by integration",
                 "documentation_url": "https://docs.github.com/rest"},
                {"X-Accepted-GitHub-Permissions": f"{perm}={level}"},
            )
        return None

    def _repo(self, req: Request) -> Repo | None:
        return self.repos.get(f"{req.params['owner']}/{req.params['repo']}")

    # ------------------------------------------------------------ JSON shapes

    def _repo_json(self, repo: Repo) -> dict[str, Any]:
        owner, name = repo.full_name.split("/")
        return {
            "id": abs(hash(repo.full_name)) % 10**8, "name": name, "full_name": repo.full_name,
            "owner": {"login": owner, "type": "Organization"}, "private": True,
            "default_branch": repo.default_branch,
            "url": f"{self.api_url}/repos/{repo.full_name}",
            "html_url": f"{self.origin}/{repo.full_name}",
            "clone_url": self.git_url(repo.full_name),
        }

    def _labels_json(self, item: Item) -> list[dict[str, Any]]:
        return [{"name": n, "color": "ededed", "url": f"{self.api_url}/labels/{n}"}
                for n in item.labels]

    def _issue_json(self, repo: Repo, item: Item) -> dict[str, Any]:
        api = f"{self.api_url}/repos/{repo.full_name}"
        data: dict[str, Any] = {
            "number": item.number, "title": item.title, "body": item.body, "state": item.state,
            "state_reason": item.state_reason, "labels": self._labels_json(item),
            "comments": len(item.comments), "url": f"{api}/issues/{item.number}",
            "html_url": f"{self.origin}/{repo.full_name}/issues/{item.number}",
            "created_at": _iso(item.created_at), "updated_at": _iso(item.created_at),
            "closed_at": _iso(item.closed_at) if item.closed_at else None,
            "user": {"login": "alertfix[bot]"},
        }
        if item.kind == "pull":
            data["pull_request"] = {"url": f"{api}/pulls/{item.number}"}
        return data

    def _pull_json(self, repo: Repo, pr: Item) -> dict[str, Any]:
        api = f"{self.api_url}/repos/{repo.full_name}"
        owner = repo.full_name.split("/")[0]
        head_sha = pr.closed_head_sha or self.branch_sha(repo.full_name, pr.head) or ""
        return {
            "number": pr.number, "title": pr.title, "body": pr.body, "state": pr.state,
            "draft": pr.draft, "merged": pr.merged, "merge_commit_sha": pr.merge_commit_sha,
            "labels": self._labels_json(pr), "url": f"{api}/pulls/{pr.number}",
            "issue_url": f"{api}/issues/{pr.number}",
            "html_url": f"{self.origin}/{repo.full_name}/pull/{pr.number}",
            "head": {"ref": pr.head, "sha": head_sha, "label": f"{owner}:{pr.head}"},
            "base": {"ref": pr.base, "sha": self.branch_sha(repo.full_name, pr.base) or "",
                     "label": f"{owner}:{pr.base}"},
            "created_at": _iso(pr.created_at),
            "closed_at": _iso(pr.closed_at) if pr.closed_at else None,
            "user": {"login": "alertfix[bot]"},
        }

    # ------------------------------------------------------------ routes

    def _register(self) -> None:
        r = self.route
        r("GET", r"/api/v3/app", self._get_app)
        r("GET", r"/api/v3/app/installations/(?P<iid>\d+)", self._get_installation)
        r("POST", r"/api/v3/app/installations/(?P<iid>\d+)/access_tokens", self._access_token)
        r("GET", _R + r"/installation", self._repo_installation)
        r("GET", _R, self._get_repo)
        r("GET", _R + r"/pulls", self._list_pulls)
        r("POST", _R + r"/pulls", self._create_pull)
        r("GET", _R + r"/pulls/(?P<n>\d+)", self._get_pull)
        r("PATCH", _R + r"/pulls/(?P<n>\d+)", self._edit_pull)
        r("GET", _R + r"/issues", self._list_issues)
        r("POST", _R + r"/issues", self._create_issue)
        r("GET", _R + r"/issues/(?P<n>\d+)", self._get_issue)
        r("PATCH", _R + r"/issues/(?P<n>\d+)", self._edit_issue)
        r("GET", _R + r"/issues/(?P<n>\d+)/comments", self._list_comments)
        r("POST", _R + r"/issues/(?P<n>\d+)/comments", self._create_comment)
        r("POST", _R + r"/issues/(?P<n>\d+)/labels", self._add_labels)
        r("PUT", _R + r"/issues/(?P<n>\d+)/labels", self._add_labels)
        r("GET", _R + r"/deployments", self._list_deployments)
        r("GET", _R + r"/deployments/(?P<d>\d+)/statuses", self._list_statuses)
        r("GET", _R + r"/commits/(?P<ref>[^/]+)/check-runs", self._list_check_runs)
        r("GET", _R + r"/collaborators/(?P<login>[^/]+)/permission", self._permission)
        git = r"/(?P<owner>[^/]+)/(?P<repo>[^/]+)\.git(?P<rest>/.*)"
        r("GET", git, self._git)
        r("POST", git, self._git)

    def _unauthorized_app(self) -> Response:
        return json_response(401, {
            "message": "A JSON web token could not be decoded",
            "documentation_url": "https://docs.github.com/rest",
        })

    def _installation_json(self) -> dict[str, Any]:
        return {
            "id": self.installation_id, "app_id": self.app_id, "target_type": "Organization",
            "account": {"login": "acme"}, "permissions": self.permissions,
            "repository_selection": "selected", "events": ["pull_request", "deployment_status"],
            "access_tokens_url":
                f"{self.api_url}/app/installations/{self.installation_id}/access_tokens",
        }

    def _get_app(self, req: Request) -> Response:
        if not self._app_ok(req):
            return self._unauthorized_app()
        return json_response(200, {
            "id": self.app_id, "slug": "alertfix", "name": "alertfix",
            "permissions": self.permissions, "events": ["pull_request", "deployment_status"],
            "owner": {"login": "acme"},
        })

    def _get_installation(self, req: Request) -> Response:
        if not self._app_ok(req):
            return self._unauthorized_app()
        if int(req.params["iid"]) != self.installation_id:
            return json_response(404, {"message": "Not Found"})
        return json_response(200, self._installation_json())

    def _repo_installation(self, req: Request) -> Response:
        if not self._app_ok(req):
            return self._unauthorized_app()
        if self._repo(req) is None:
            return json_response(404, {"message": "Not Found"})
        return json_response(200, self._installation_json())

    def _access_token(self, req: Request) -> Response:
        if not self._app_ok(req):
            return self._unauthorized_app()
        if int(req.params["iid"]) != self.installation_id:
            return json_response(404, {"message": "Not Found"})
        tok = Token(
            "ghs_" + secrets.token_hex(18), self.installation_id,
            self.clock() + self.token_ttl, dict(self.permissions),
        )
        with self.lock:
            self.tokens.append(tok)
        return json_response(201, {
            "token": tok.value, "expires_at": _iso(tok.expires_at),
            "permissions": tok.permissions, "repository_selection": "selected",
        })

    def _get_repo(self, req: Request) -> Response:
        if denied := self._check(req, "metadata", "read"):
            return denied
        repo = self._repo(req)
        if repo is None:
            return json_response(404, {"message": "Not Found"})
        return json_response(200, self._repo_json(repo))

    # pulls ---------------------------------------------------------------

    def _pull_or_404(self, req: Request, level: str) -> tuple[Repo, Item] | Response:
        if denied := self._check(req, "pull_requests", level):
            return denied
        repo = self._repo(req)
        item = repo.items.get(int(req.params["n"])) if repo else None
        if repo is None or item is None or item.kind != "pull":
            return json_response(404, {"message": "Not Found"})
        return repo, item

    def _list_pulls(self, req: Request) -> Response:
        if denied := self._check(req, "pull_requests", "read"):
            return denied
        repo = self._repo(req)
        if repo is None:
            return json_response(404, {"message": "Not Found"})
        state = req.arg("state", "open")
        head = req.arg("head")
        out = []
        for pr in sorted(self.pulls(repo.full_name), key=lambda p: -p.number):
            if state != "all" and pr.state != state:
                continue
            if head and f"{repo.full_name.split('/')[0]}:{pr.head}" != head:
                continue
            out.append(self._pull_json(repo, pr))
        return json_response(200, out)

    def _create_pull(self, req: Request) -> Response:
        if denied := self._check(req, "pull_requests", "write"):
            return denied
        repo = self._repo(req)
        if repo is None:
            return json_response(404, {"message": "Not Found"})
        data = req.json()
        head = str(data["head"]).split(":")[-1]
        if self.branch_sha(repo.full_name, head) is None:
            return _validation_failed({"resource": "PullRequest", "field": "head",
                                       "code": "invalid"})
        if self.branch_sha(repo.full_name, data["base"]) is None:
            return _validation_failed({"resource": "PullRequest", "field": "base",
                                       "code": "invalid"})
        owner = repo.full_name.split("/")[0]
        with self.lock:
            if any(p.head == head and p.state == "open" for p in self.pulls(repo.full_name)):
                return _validation_failed({
                    "resource": "PullRequest", "code": "custom",
                    "message": f"A pull request already exists for {owner}:{head}.",
                })
            number = len(repo.items) + 1
            pr = Item(number, data["title"], data.get("body") or "", "pull", head=head,
                      base=data["base"], draft=bool(data.get("draft", False)))
            repo.items[number] = pr
        return json_response(201, self._pull_json(repo, pr))

    def _get_pull(self, req: Request) -> Response:
        found = self._pull_or_404(req, "read")
        if isinstance(found, Response):
            return found
        return json_response(200, self._pull_json(*found))

    def _edit_pull(self, req: Request) -> Response:
        found = self._pull_or_404(req, "write")
        if isinstance(found, Response):
            return found
        repo, pr = found
        data = req.json()
        with self.lock:
            pr.title = data.get("title", pr.title)
            pr.body = data.get("body", pr.body)
            if data.get("state") in ("open", "closed") and not pr.merged:
                pr.state = data["state"]
        return json_response(200, self._pull_json(repo, pr))

    # issues (and the issue side of pulls) ---------------------------------

    def _item_or_404(self, req: Request, level: str) -> tuple[Repo, Item] | Response:
        repo = self._repo(req)
        item = repo.items.get(int(req.params["n"])) if repo else None
        # GitHub checks issues or pull_requests depending on what the number is.
        perm = "pull_requests" if item is not None and item.kind == "pull" else "issues"
        if denied := self._check(req, perm, level):
            return denied
        if repo is None or item is None:
            return json_response(404, {"message": "Not Found"})
        return repo, item

    def _list_issues(self, req: Request) -> Response:
        if denied := self._check(req, "issues", "read"):
            return denied
        repo = self._repo(req)
        if repo is None:
            return json_response(404, {"message": "Not Found"})
        state = req.arg("state", "open")
        wanted = [x for x in (req.arg("labels") or "").split(",") if x]
        newest_first = req.arg("direction", "desc") == "desc"
        items = sorted(repo.items.values(), key=lambda i: i.number, reverse=newest_first)
        out = [
            self._issue_json(repo, i) for i in items
            if (state == "all" or i.state == state) and all(w in i.labels for w in wanted)
        ]
        return json_response(200, out)

    def _create_issue(self, req: Request) -> Response:
        if denied := self._check(req, "issues", "write"):
            return denied
        repo = self._repo(req)
        if repo is None:
            return json_response(404, {"message": "Not Found"})
        data = req.json()
        if not data.get("title"):
            return _validation_failed({"resource": "Issue", "field": "title",
                                       "code": "missing_field"})
        with self.lock:
            number = len(repo.items) + 1
            item = Item(number, data["title"], data.get("body") or "", "issue",
                        labels=list(dict.fromkeys(data.get("labels") or [])))
            repo.items[number] = item
        return json_response(201, self._issue_json(repo, item))

    def _get_issue(self, req: Request) -> Response:
        found = self._item_or_404(req, "read")
        if isinstance(found, Response):
            return found
        return json_response(200, self._issue_json(*found))

    def _edit_issue(self, req: Request) -> Response:
        found = self._item_or_404(req, "write")
        if isinstance(found, Response):
            return found
        repo, item = found
        data = req.json()
        with self.lock:
            item.title = data.get("title", item.title)
            item.body = data.get("body", item.body)
            if "labels" in data:
                item.labels = list(dict.fromkeys(data["labels"]))
            if data.get("state") == "closed" and item.state != "closed":
                item.state, item.closed_at = "closed", _now()
                item.state_reason = data.get("state_reason") or "completed"
            elif data.get("state") == "open" and item.state != "open":
                item.state, item.closed_at, item.state_reason = "open", None, "reopened"
        return json_response(200, self._issue_json(repo, item))

    def _list_comments(self, req: Request) -> Response:
        found = self._item_or_404(req, "read")
        if isinstance(found, Response):
            return found
        return json_response(200, found[1].comments)

    def _create_comment(self, req: Request) -> Response:
        found = self._item_or_404(req, "write")
        if isinstance(found, Response):
            return found
        repo, item = found
        with self.lock:
            cid = next(self._ids)
            comment = {
                "id": cid, "body": req.json()["body"], "user": {"login": "alertfix[bot]"},
                "url": f"{self.api_url}/repos/{repo.full_name}/issues/comments/{cid}",
                "created_at": _iso(_now()), "updated_at": _iso(_now()),
            }
            item.comments.append(comment)
        return json_response(201, comment)

    def _add_labels(self, req: Request) -> Response:
        found = self._item_or_404(req, "write")
        if isinstance(found, Response):
            return found
        _, item = found
        data = req.json()
        names = data["labels"] if isinstance(data, dict) else data
        with self.lock:
            if req.method == "PUT":
                item.labels = []
            item.labels = list(dict.fromkeys([*item.labels, *names]))
        return json_response(200, self._labels_json(item))

    # deployments and checks -----------------------------------------------

    def _list_deployments(self, req: Request) -> Response:
        if denied := self._check(req, "deployments", "read"):
            return denied
        repo = self._repo(req)
        if repo is None:
            return json_response(404, {"message": "Not Found"})
        api = f"{self.api_url}/repos/{repo.full_name}"
        out = []
        for dep in reversed(repo.deployments):  # newest first, as GitHub lists them
            if req.arg("sha") and dep["sha"] != req.arg("sha"):
                continue
            if req.arg("environment") and dep["environment"] != req.arg("environment"):
                continue
            out.append({**dep, "url": f"{api}/deployments/{dep['id']}",
                        "statuses_url": f"{api}/deployments/{dep['id']}/statuses"})
        return json_response(200, out)

    def _list_statuses(self, req: Request) -> Response:
        if denied := self._check(req, "deployments", "read"):
            return denied
        repo = self._repo(req)
        dep_id = int(req.params["d"])
        if repo is None or dep_id not in repo.statuses:
            return json_response(404, {"message": "Not Found"})
        api = f"{self.api_url}/repos/{repo.full_name}/deployments/{dep_id}"
        out = [{**s, "url": f"{api}/statuses/{s['id']}", "deployment_url": api}
               for s in reversed(repo.statuses[dep_id])]
        return json_response(200, out)

    def _list_check_runs(self, req: Request) -> Response:
        if denied := self._check(req, "checks", "read"):
            return denied
        repo = self._repo(req)
        if repo is None:
            return json_response(404, {"message": "Not Found"})
        ref = req.params["ref"]
        sha = self.branch_sha(repo.full_name, ref) or ref
        api = f"{self.api_url}/repos/{repo.full_name}/check-runs"
        runs = [{**c, "url": f"{api}/{c['id']}"} for c in repo.check_runs if c["head_sha"] == sha]
        return json_response(200, {"total_count": len(runs), "check_runs": runs})

    def _permission(self, req: Request) -> Response:
        """`GET /repos/{o}/{r}/collaborators/{login}/permission` (needs metadata read)."""
        if denied := self._check(req, "metadata", "read"):
            return denied
        repo = self._repo(req)
        login = req.params["login"]
        if repo is None or login not in repo.collaborators:
            return json_response(404, {"message": "Not Found"})
        level = repo.collaborators[login]
        return json_response(200, {"permission": level, "role_name": level,
                                   "user": {"login": login}})

    # git smart HTTP ---------------------------------------------------------

    def _git(self, req: Request) -> Response:
        repo = self._repo(req)
        write = "git-receive-pack" in req.path or req.arg("service") == "git-receive-pack"
        tok = self._token(req)
        if tok is None:
            return Response(401, b"Invalid username or token.\n",
                            {"WWW-Authenticate": 'Basic realm="GitHub"'})
        if _LEVEL.get(tok.permissions.get("contents", ""), 0) < (2 if write else 1):
            return Response(403, b"Permission to push denied to alertfix[bot].\n")
        if repo is None:
            return Response(404, b"Repository not found.\n")
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "GIT_PROJECT_ROOT": str(self.root / "git"),
            "GIT_HTTP_EXPORT_ALL": "1",
            "PATH_INFO": f"/{repo.full_name}.git{req.params['rest']}",
            "REQUEST_METHOD": req.method,
            "QUERY_STRING": "&".join(f"{k}={v[0]}" for k, v in req.query.items()),
            "CONTENT_TYPE": req.headers.get("content-type", ""),
            "CONTENT_LENGTH": str(len(req.body)),
            "REMOTE_USER": "x-access-token",  # enables receive-pack
            "REMOTE_ADDR": "127.0.0.1",
            "GIT_PROTOCOL": req.headers.get("git-protocol", ""),
            "HTTP_CONTENT_ENCODING": req.headers.get("content-encoding", ""),
        }
        out = subprocess.run(["git", "http-backend"], input=req.body, env=env,
                             capture_output=True, check=False).stdout
        head, _, body = out.partition(b"\r\n\r\n")
        if not _:
            head, _, body = out.partition(b"\n\n")
        status, headers = 200, {}
        for line in head.decode("latin-1").splitlines():
            name, _, value = line.partition(":")
            if name.lower() == "status":
                status = int(value.strip().split()[0])
            elif name:
                headers[name.strip()] = value.strip()
        return Response(status, body, headers)


def _validation_failed(error: dict[str, Any]) -> Response:
    return json_response(422, {
        "message": "Validation Failed", "errors": [error],
        "documentation_url": "https://docs.github.com/rest",
    })


@contextmanager
def github_standin(root: Path, **kwargs: Any) -> Iterator[GitHubStandIn]:
    """Start a GitHub stand-in under `root` (a tmp_path); stopped when the block ends."""
    server = GitHubStandIn(root, **kwargs)
    with server.running():
        yield server
