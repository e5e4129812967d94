"""Context: the adapters a node may use, built once per incident from settings.

Which adapter runs is configuration, looked up in the tables below, never an `if` in a node.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import git

from agent.settings import Settings
from agent.state import RepoRef
from tools import vcs
from tools.audit import AuditLog
from tools.forge.local import LocalForge
from tools.monitors.local import EventStore
from tools.ports import DeployHistory, EventSource, Forge, Sandbox, Tracker
from tools.sandbox import SubprocessSandbox
from tools.tracker.local import LocalTracker


@dataclass
class Context:
    settings: Settings
    repo: RepoRef
    tracker: Tracker
    forge: Forge
    deploys: DeployHistory
    events: EventSource
    sandbox: Sandbox
    audit: AuditLog

    @property
    def workspace(self) -> Path:
        """alertfix's own clone of the repository (never a person's checkout)."""
        return self.settings.home / "repos" / self.repo.name

    def clone(self) -> git.Repo:
        """The workspace clone, fetched up to date with the forge."""
        return vcs.clone(self.forge.clone_url(), self.workspace)


def _local_tracker(settings: Settings, repo: RepoRef) -> Tracker:
    return LocalTracker(settings.home / "tracker.db")


def _local_forge(settings: Settings, repo: RepoRef) -> Forge:
    return LocalForge(settings.home, repo.name, repo.default_branch)


def _tag_deploys(settings: Settings, repo: RepoRef, forge: Forge) -> DeployHistory:
    return vcs.TagDeployHistory(Path(forge.clone_url()))


def _local_events(settings: Settings, repo: RepoRef) -> EventSource:
    return EventStore(settings.home / "events.db")


TRACKERS: dict[str, Callable[[Settings, RepoRef], Tracker]] = {"local": _local_tracker}
FORGES: dict[str, Callable[[Settings, RepoRef], Forge]] = {"local": _local_forge}
DEPLOY_HISTORIES: dict[str, Callable[[Settings, RepoRef, Forge], DeployHistory]] = {
    "local": _tag_deploys,
}


def build_context(settings: Settings, repo: RepoRef) -> Context:
    try:
        make_tracker, make_forge = TRACKERS[settings.tracker], FORGES[settings.forge]
    except KeyError as exc:
        raise ValueError(f"no adapter configured for {exc.args[0]!r}") from exc
    forge = make_forge(settings, repo)
    return Context(
        settings=settings,
        repo=repo,
        tracker=make_tracker(settings, repo),
        forge=forge,
        deploys=DEPLOY_HISTORIES[settings.forge](settings, repo, forge),
        events=_local_events(settings, repo),
        sandbox=SubprocessSandbox(),
        audit=AuditLog(settings.home / "audit.log"),
    )
