"""Context: the adapters a node may use, built once per incident from settings.

Which adapter runs is configuration, looked up in the tables below, never an `if` in a node.
"""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import git
from pydantic import SecretStr

from agent.settings import Settings
from agent.state import RepoRef
from tools import vcs
from tools.audit import AuditLog
from tools.forge.github import GitHubForge
from tools.forge.local import LocalForge
from tools.github_auth import GitHubApp
from tools.llm.base import ChatModel
from tools.llm.replay import RecordingModel, ReplayModel
from tools.monitors.http import MonitorAPI
from tools.monitors.local import EventStore
from tools.monitors.metrics import Datadog, ErrorRates, Prometheus
from tools.monitors.pagerduty_events import PagerDutyEvents
from tools.monitors.probes import GitHubChecks
from tools.monitors.sentry_events import SentryEvents
from tools.ports import DeployHistory, EventSource, Forge, Sandbox, Tracker
from tools.repo_env import RepoEnvCache
from tools.sandbox import SubprocessSandbox
from tools.tracker.github_issues import GitHubIssuesTracker
from tools.tracker.jira import JiraTracker
from tools.tracker.local import LocalTracker


@dataclass
class Context:
    settings: Settings
    repo: RepoRef
    tracker: Tracker
    forge: Forge
    deploys: DeployHistory
    events: EventSource  # the embedded store: what alertfix's own ingest received
    sandbox: Sandbox
    audit: AuditLog
    monitors: dict[str, EventSource] = field(default_factory=dict)  # per alert source
    metrics: dict[str, ErrorRates] = field(default_factory=dict)  # per metrics backend
    envs: RepoEnvCache = field(default_factory=RepoEnvCache)  # one environment per repository
    model: ChatModel | None = None  # a language model, when one is configured (tools/llm)
    _opened: list[git.Repo] = field(default_factory=list, repr=False, compare=False)

    @property
    def workspace(self) -> Path:
        """alertfix's own clone of the repository (never a person's checkout)."""
        return self.settings.home / "repos" / self.repo.name

    @contextlib.contextmanager
    def workspace_lock(self) -> Iterator[None]:
        """Workers sharing a home take turns writing to the workspace clone (fetches,
        branch commits): two at once would fight over its ref locks."""
        self.workspace.parent.mkdir(parents=True, exist_ok=True)
        name = f".{self.repo.name.replace('/', '_')}.lock"
        with (self.workspace.parent / name).open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield

    def monitor_for(self, source: str) -> EventSource:
        """The EventSource of the monitor that raised an alert from `source`."""
        return self.monitors.get(source, self.events)

    def clone(self) -> git.Repo:
        """The workspace clone, fetched up to date with the forge. It is closed (with its
        `git cat-file` processes) when the stage that asked for it ends."""
        with self.workspace_lock():
            self.forge.sync(self.workspace)
        repo = git.Repo(self.workspace)
        self._opened.append(repo)
        return repo

    def close_repositories(self) -> None:
        """Close every clone handed out since the last call (the end of a stage)."""
        while self._opened:
            self._opened.pop().close()


def _local_tracker(settings: Settings, repo: RepoRef) -> Tracker:
    return LocalTracker(settings.home / "tracker.db")


def _local_forge(settings: Settings, repo: RepoRef) -> Forge:
    return LocalForge(settings.home, repo.name, repo.default_branch)


def _tag_deploys(settings: Settings, repo: RepoRef, forge: Forge) -> DeployHistory:
    return vcs.TagDeployHistory(Path(forge.clone_url()))


def _sentry_events(settings: Settings, repo: RepoRef, local: EventStore) -> EventSource:
    token = _secret(settings.sentry_api_token)
    if token is None:
        return local
    api = MonitorAPI("Sentry", settings.sentry_api_url.rstrip("/") + "/api/0",
                     {"Authorization": f"Bearer {token}", "Accept": "application/json"})
    return SentryEvents(api, settings.sentry_org, local)


def _pagerduty_events(settings: Settings, repo: RepoRef, local: EventStore) -> EventSource:
    token = _secret(settings.pagerduty_api_token)
    if token is None:
        return local
    api = MonitorAPI("PagerDuty", settings.pagerduty_api_url, {
        "Authorization": f"Token token={token}",
        "Accept": "application/vnd.pagerduty+json;version=2"})
    return PagerDutyEvents(api, local, settings.pagerduty_from_email)


def _ci_checks(settings: Settings, repo: RepoRef, local: EventStore) -> EventSource:
    if settings.forge != "github":
        return local  # CI alerts come from GitHub; without it only the embedded store is left
    return GitHubChecks(settings.github_api_url, repo.name, repo.default_branch,
                        github_app(settings).token, local)


# The monitor verify asks, per alert source: the remote one when its API is configured.
EVENT_SOURCES: dict[str, Callable[[Settings, RepoRef, EventStore], EventSource]] = {
    "sentry": _sentry_events, "pagerduty": _pagerduty_events, "ci": _ci_checks,
}


def _metrics(settings: Settings) -> dict[str, ErrorRates]:
    backends: dict[str, ErrorRates] = {}
    if settings.prometheus_url:
        token = _secret(settings.prometheus_token)
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        backends["prometheus"] = Prometheus(MonitorAPI("Prometheus", settings.prometheus_url,
                                                       headers))
    api_key, app_key = _secret(settings.datadog_api_key), _secret(settings.datadog_app_key)
    if api_key and app_key:
        backends["datadog"] = Datadog(settings.datadog_api_url, api_key, app_key)
    return backends


def _require(settings: Settings, what: str, *names: str) -> None:
    missing = [f"ALERTFIX_{n.upper()}" for n in names if getattr(settings, n) in (None, "")]
    if missing:
        raise ValueError(f"{what} needs {', '.join(missing)} (see docs/integrations.md)")


def github_app_configured(settings: Settings) -> bool:
    return bool(settings.github_app_id and settings.github_installation_id
                and (settings.github_private_key or settings.github_private_key_path))


def github_app(settings: Settings) -> GitHubApp:
    _require(settings, "the GitHub App", "github_app_id", "github_installation_id")
    pem = settings.github_key_pem()
    if not pem:
        raise ValueError("the GitHub App needs ALERTFIX_GITHUB_PRIVATE_KEY or "
                         "ALERTFIX_GITHUB_PRIVATE_KEY_PATH (see docs/integrations.md)")
    assert settings.github_app_id and settings.github_installation_id
    return GitHubApp(app_id=settings.github_app_id, private_key_pem=pem,
                     installation_id=settings.github_installation_id,
                     base_url=settings.github_api_url)


def _github_forge(settings: Settings, repo: RepoRef) -> Forge:
    return GitHubForge(repo=repo.name, app=github_app(settings), base_url=settings.github_api_url,
                       default_branch=repo.default_branch, always_draft=settings.github_draft_prs)


def _github_issues(settings: Settings, repo: RepoRef) -> Tracker:
    return GitHubIssuesTracker(repo=repo.name, app=github_app(settings),
                               base_url=settings.github_api_url)


def _secret(value: SecretStr | None) -> str | None:
    return value.get_secret_value() if value is not None else None


def _jira(settings: Settings, repo: RepoRef) -> Tracker:
    _require(settings, "the Jira tracker", "jira_url", "jira_project")
    assert settings.jira_url and settings.jira_project
    return JiraTracker(url=settings.jira_url, project=settings.jira_project,
                       issue_type=settings.jira_issue_type, email=settings.jira_email,
                       api_token=_secret(settings.jira_api_token),
                       personal_access_token=_secret(settings.jira_pat),
                       transitions=settings.jira_transitions or None,
                       priorities=settings.jira_priorities or None,
                       resolution=settings.jira_resolution)


def _github_deploys(settings: Settings, repo: RepoRef, forge: Forge) -> DeployHistory:
    assert isinstance(forge, GitHubForge)
    return forge  # the Deployments API, successful deployments only


TRACKERS: dict[str, Callable[[Settings, RepoRef], Tracker]] = {
    "local": _local_tracker, "jira": _jira, "github": _github_issues,
}
FORGES: dict[str, Callable[[Settings, RepoRef], Forge]] = {
    "local": _local_forge, "github": _github_forge,
}
DEPLOY_HISTORIES: dict[str, Callable[[Settings, RepoRef, Forge], DeployHistory]] = {
    "local": _tag_deploys, "github": _github_deploys,
}


# The clients are imported only when their provider is configured: together they take
# seconds to import, which every command would pay.
def _openai(settings: Settings) -> ChatModel:
    from tools.llm.openai import OpenAIModel

    return OpenAIModel(settings.llm_model, api_key=_secret(settings.llm_api_key),
                       base_url=settings.llm_base_url, timeout_s=settings.llm_timeout_s,
                       max_retries=settings.llm_max_retries)


def _anthropic(settings: Settings) -> ChatModel:
    from tools.llm.anthropic import AnthropicModel

    return AnthropicModel(settings.llm_model, api_key=_secret(settings.llm_api_key),
                          base_url=settings.llm_base_url, timeout_s=settings.llm_timeout_s,
                          max_retries=settings.llm_max_retries)


def _replay(settings: Settings) -> ChatModel:
    return ReplayModel(Path(settings.llm_model))


MODELS: dict[str, Callable[[Settings], ChatModel]] = {
    "openai": _openai, "anthropic": _anthropic, "replay": _replay,
}


def build_model(settings: Settings) -> ChatModel | None:
    """The configured model (recording its answers when asked), or None without one."""
    if settings.llm_provider is None:
        return None
    if not settings.llm_model:
        raise ValueError(f"the {settings.llm_provider} model needs ALERTFIX_LLM_MODEL "
                         "(for replay: the folder of recorded answers)")
    model = MODELS[settings.llm_provider](settings)
    return RecordingModel(model, settings.llm_record_dir) if settings.llm_record_dir else model


def build_context(settings: Settings, repo: RepoRef) -> Context:
    try:
        make_tracker, make_forge = TRACKERS[settings.tracker], FORGES[settings.forge]
    except KeyError as exc:
        raise ValueError(f"no adapter configured for {exc.args[0]!r}") from exc
    forge = make_forge(settings, repo)
    local = EventStore(settings.home / "events.db")
    return Context(
        settings=settings,
        repo=repo,
        tracker=make_tracker(settings, repo),
        forge=forge,
        deploys=DEPLOY_HISTORIES[settings.forge](settings, repo, forge),
        events=local,
        monitors={source: make(settings, repo, local) for source, make in EVENT_SOURCES.items()},
        metrics=_metrics(settings),
        sandbox=SubprocessSandbox(),
        audit=AuditLog(settings.home / "audit.log"),
        envs=RepoEnvCache(settings.env_cache, timeout_s=settings.env_build_timeout_s,
                          max_age_s=settings.env_max_age_days * 86400,
                          max_bytes=int(settings.env_max_gb * 1024**3)),
        model=build_model(settings),
    )
