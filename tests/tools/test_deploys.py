"""Deploy histories from GitHub Deployments (real PyGithub against the GitHub stand-in) and
Sentry releases (real httpx against a small Sentry stand-in), and release → commit."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest

from tests.rca.history import History
from tests.standins._http import Request, Response, StandInServer, json_response
from tests.standins.github import GitHubStandIn, github_standin
from tools.deploys import (
    GitHubDeployHistory,
    SentryAPIError,
    SentryDeployHistory,
    release_sha,
    resolve_deploys,
    resolve_release,
)
from tools.github_auth import GitHubApp
from tools.ports import Deploy, DeployHistory

REPO = "acme/shop"


@pytest.fixture
def gh(tmp_path: Path) -> Iterator[GitHubStandIn]:
    with github_standin(tmp_path / "server") as server:
        server.create_repo(REPO, {"README.md": "shop\n"})
        yield server


def test_github_deployments_count_once_successful(gh: GitHubStandIn) -> None:
    ok = gh.add_deployment(REPO, "a" * 40)
    gh.add_deployment_status(REPO, ok, "in_progress")
    gh.add_deployment_status(REPO, ok, "success")
    failed = gh.add_deployment(REPO, "b" * 40)
    gh.add_deployment_status(REPO, failed, "failure")
    staging = gh.add_deployment(REPO, "c" * 40, environment="staging")
    gh.add_deployment_status(REPO, staging, "success")
    app = GitHubApp(app_id=gh.app_id, private_key_pem=gh.private_key_pem,
                    installation_id=gh.installation_id, base_url=gh.api_url)
    history = GitHubDeployHistory(app.client().get_repo(REPO))
    assert isinstance(history, DeployHistory)
    production = history.deploys("production")
    assert [(d.name, d.sha, d.environment) for d in production] == [
        (f"deployment-{ok}", "a" * 40, "production")]
    assert {d.environment for d in history.deploys()} == {"production", "staging"}
    assert production[0].deployed_at.tzinfo is not None


class SentryStandIn(StandInServer):
    """Releases of one project (two per page) and their deploys, as Sentry's API answers."""

    def __init__(self, releases: list[dict[str, Any]], deploys: dict[str, list[Any]]) -> None:
        super().__init__()
        self.releases, self.deploy_map = releases, deploys
        self.route("GET", r"/api/0/projects/acme/shop/releases/", self._releases)
        self.route("GET", r"/api/0/organizations/acme/releases/(?P<v>[^/]+)/deploys/",
                   self._deploys)

    def _releases(self, req: Request) -> Response:
        if req.headers.get("authorization") != "Bearer tok":
            return json_response(401, {"detail": "Invalid token"})
        start = int(req.arg("cursor", "0") or 0)
        more = start + 2 < len(self.releases)
        link = (f'<{self.origin}/api/0/projects/acme/shop/releases/?cursor={start + 2}>; '
                f'rel="next"; results="{"true" if more else "false"}"; cursor="{start + 2}"')
        return json_response(200, self.releases[start:start + 2], {"Link": link})

    def _deploys(self, req: Request) -> Response:
        return json_response(200, self.deploy_map.get(unquote(req.params["v"]), []))


def _when(hours: int) -> str:
    return (datetime(2026, 11, 2, tzinfo=UTC) + timedelta(hours=hours)).isoformat()


def test_sentry_releases_and_deploys_become_deploys() -> None:
    releases: list[dict[str, Any]] = [
        {"version": "shop@1.3.0", "ref": None, "lastCommit": {"id": "c" * 40}},
        {"version": "shop@1.2.0+abc1234", "lastCommit": None},
        {"version": "1.1.0", "ref": "d" * 40},
    ]
    deploys: dict[str, list[Any]] = {
        "shop@1.3.0": [{"environment": "production", "dateStarted": _when(5),
                        "dateFinished": _when(6)}],
        "shop@1.2.0+abc1234": [{"environment": "staging", "dateFinished": _when(3)},
                               {"environment": "production", "dateStarted": _when(4)}],
        "1.1.0": [{"environment": "production", "dateFinished": None, "dateStarted": None}],
    }
    server = SentryStandIn(releases, deploys)
    with server.running():
        history = SentryDeployHistory("acme", "shop", "tok", server.origin)
        found = history.deploys("production")
        with pytest.raises(SentryAPIError, match="HTTP 401"):
            SentryDeployHistory("acme", "shop", "wrong", server.origin).deploys()
    assert [(d.name, d.sha) for d in found] == [("shop@1.2.0+abc1234", "abc1234"),
                                                ("shop@1.3.0", "c" * 40)]
    assert found[1].deployed_at == datetime(2026, 11, 2, 6, tzinfo=UTC)
    assert release_sha({"version": "1.1.0", "ref": "d" * 40}) == "d" * 40


def test_releases_resolve_to_commits(tmp_path: Path) -> None:
    history = History(tmp_path / "svc")
    first = history.commit("one", {"a.py": "A = 1\n"})
    history.repo.git.tag("v1.4.2", first)
    second = history.commit("two", {"a.py": "A = 2\n"})
    named = Deploy(name="shop@2.0.0", sha=second[:12], deployed_at=datetime.now(UTC))
    assert resolve_release(history.repo, second) == second
    assert resolve_release(history.repo, second[:9]) == second
    assert resolve_release(history.repo, "shop@1.4.2") == first  # tag v1.4.2
    assert resolve_release(history.repo, f"shop@{second[:10]}") == second
    assert resolve_release(history.repo, f"2.0.0+{first[:8]}") == first
    assert resolve_release(history.repo, "shop@2.0.0", [named]) == second
    assert resolve_release(history.repo, "--output=/tmp/x") is None
    assert resolve_release(history.repo, "shop@9.9.9") is None
    unknown = Deploy(name="x", sha="f" * 40, deployed_at=datetime.now(UTC))
    assert resolve_deploys(history.repo, [named, unknown]) == [
        named.model_copy(update={"sha": second})]
