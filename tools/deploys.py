"""Deploy histories other than `deploy-<n>` tags, and resolving a release to a commit.

Three sources implement the one `DeployHistory` Protocol: `tools.vcs.TagDeployHistory`
(embedded), `GitHubDeployHistory` (the Deployments API through PyGithub: a deployment counts
once one of its statuses is `success`, timed by the first such status) and
`SentryDeployHistory` (Sentry releases and their deploys through httpx). A Sentry release is
named by a version string; its commit comes from `lastCommit`, `ref` or a sha inside the
version, and otherwise from `resolve_release` against the repository.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import git
import httpx
from github.Repository import Repository

from tools import vcs
from tools.ports import Deploy

_HEX = re.compile(r"\b[0-9a-f]{7,40}\b")


# ---------------------------------------------------------------- GitHub Deployments


def _utc(ts: datetime) -> datetime:
    return ts if ts.tzinfo else ts.replace(tzinfo=UTC)


class GitHubDeployHistory:
    """Deploys from the GitHub Deployments API of one repository (a PyGithub `Repository`,
    authenticated however the caller likes: App installation or token)."""

    def __init__(self, repository: Repository, limit: int = 100) -> None:
        self.repository = repository
        self.limit = limit

    def deploys(self, environment: str | None = None) -> list[Deploy]:
        listing = (self.repository.get_deployments(environment=environment) if environment
                   else self.repository.get_deployments())
        out = []
        for count, dep in enumerate(listing):
            if count >= self.limit:
                break
            succeeded = [_utc(s.created_at) for s in dep.get_statuses() if s.state == "success"]
            if succeeded:  # failed, pending and errored deployments never ran the code
                out.append(Deploy(name=f"deployment-{dep.id}", sha=dep.sha,
                                  environment=dep.environment, deployed_at=min(succeeded)))
        return sorted(out, key=lambda d: d.deployed_at)


# ---------------------------------------------------------------- Sentry releases


class SentryAPIError(Exception):
    """Sentry refused or failed a request; the message names the request and the status."""


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return _utc(parsed)


def release_sha(release: dict[str, Any]) -> str:
    """The commit a Sentry release names: `lastCommit.id`, a sha-like `ref`, a sha inside the
    version (`shop@3f2a9c1`, `1.4.2+3f2a9c1`), or else the version itself (resolved later)."""
    last = release.get("lastCommit")
    if isinstance(last, dict) and isinstance(last.get("id"), str) and last["id"]:
        return str(last["id"])
    ref = release.get("ref")
    if isinstance(ref, str) and re.fullmatch(r"[0-9a-f]{7,40}", ref):
        return ref
    version = str(release.get("version") or "")
    found = _HEX.findall(version.lower())
    return found[-1] if found else version


class SentryDeployHistory:
    """Deploys recorded in Sentry: each deploy of each release of one project.

    `GET /api/0/projects/{org}/{project}/releases/` lists releases (paginated through the
    `Link` header's `cursor`), `GET /api/0/organizations/{org}/releases/{version}/deploys/`
    their deploys. A deploy's time is `dateFinished`, else `dateStarted`.
    """

    def __init__(self, org: str, project: str, token: str,
                 base_url: str = "https://sentry.io", *, max_releases: int = 50,
                 client: httpx.Client | None = None) -> None:
        self.org, self.project = org, project
        self.max_releases = max_releases
        self._client = client or httpx.Client(
            base_url=base_url.rstrip("/"), timeout=10.0,
            headers={"Authorization": f"Bearer {token}"})

    def _get(self, url: str, params: dict[str, str] | None = None) -> httpx.Response:
        try:
            response = self._client.get(url, params=params)
        except httpx.HTTPError as exc:
            raise SentryAPIError(f"GET {url}: {type(exc).__name__}") from None
        if response.status_code != 200:
            raise SentryAPIError(f"GET {url}: HTTP {response.status_code}")
        return response

    def releases(self) -> list[dict[str, Any]]:
        """The project's releases, newest first, at most `max_releases`."""
        url: str | None = f"/api/0/projects/{self.org}/{self.project}/releases/"
        out: list[dict[str, Any]] = []
        while url and len(out) < self.max_releases:
            response = self._get(url)
            page = response.json()
            out.extend(r for r in page if isinstance(r, dict))
            after = response.links.get("next", {})
            url = after.get("url") if after.get("results") == "true" else None
        return out[: self.max_releases]

    def deploys(self, environment: str | None = None) -> list[Deploy]:
        out = []
        for release in self.releases():
            version = str(release.get("version") or "")
            if not version:
                continue
            path = f"/api/0/organizations/{self.org}/releases/{quote(version, safe='')}/deploys/"
            for dep in self._get(path).json():
                env = str(dep.get("environment") or "")
                when = _parse_time(dep.get("dateFinished")) or _parse_time(
                    dep.get("dateStarted"))
                if when is None or (environment and env != environment):
                    continue
                out.append(Deploy(name=version, sha=release_sha(release),
                                  environment=env or "production", deployed_at=when))
        return sorted(out, key=lambda d: d.deployed_at)


# ---------------------------------------------------------------- release → commit


def resolve_release(repo: git.Repo, release: str, deploys: Sequence[Deploy] = ()) -> str | None:
    """The full sha of the commit an alert's `release` names, or None.

    Tried in order: a revision git knows (sha, tag, branch); a deploy named so; the part after
    `package@`; build metadata after `+`; tags `v<version>` and `release-<version>`; a sha-like
    token anywhere in the string.
    """
    release = release.strip()
    if not release:
        return None
    for deploy in deploys:
        if deploy.name == release:
            sha = vcs.resolve(repo, deploy.sha)
            if sha:
                return sha
    attempts = [release]
    version = release.rsplit("@", 1)[-1]
    attempts += [version, *version.split("+", 1)[1:], f"v{version}", f"release-{version}"]
    attempts += _HEX.findall(release.lower())
    for candidate in dict.fromkeys(attempts):
        if candidate.startswith("-"):
            continue  # never let a version reach git as an option
        sha = vcs.resolve(repo, candidate)
        if sha:
            return sha
    return None


def resolve_deploys(repo: git.Repo, deploys: list[Deploy]) -> list[Deploy]:
    """Deploys with `sha` made a full commit sha; those naming no known commit are left out."""
    out = []
    for deploy in deploys:
        sha = vcs.resolve(repo, deploy.sha) if deploy.sha and not deploy.sha.startswith("-") \
            else None
        sha = sha or resolve_release(repo, deploy.name)
        if sha:
            out.append(deploy if sha == deploy.sha else deploy.model_copy(update={"sha": sha}))
    return out
