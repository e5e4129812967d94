"""The one place that reads the environment and config files.

Values come from `ALERTFIX_*` environment variables, then from a TOML file (`alertfix.toml`
in the working directory, or the path in `ALERTFIX_CONFIG`), then from the defaults here.
"""

from __future__ import annotations

import difflib
import json
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

# USD per million tokens, input and output, as published by the vendors; override or extend
# with `llm_prices` (a local server's model is free unless listed).
DEFAULT_PRICES: dict[str, tuple[float, float]] = {
    "gpt-4o": (2.50, 10.00),
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4.1": (2.00, 8.00),
    "gpt-4.1-mini": (0.40, 1.60),
    "claude-haiku-4-5": (1.00, 5.00),
    "claude-sonnet-4-5": (3.00, 15.00),
}


class ServiceRepository(BaseModel):
    """Where a service's code lives: a local git repository path (local forge) or
    `owner/name` (GitHub forge)."""

    repository: str
    default_branch: str | None = None
    test_command: list[str] | None = None
    python: str | None = None  # a version ("3.11") or an interpreter path
    setup: str | None = None  # shell command installing the project and its test deps


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ALERTFIX_", extra="ignore")

    home: Path = Field(Path(".alertfix"), description="where alertfix keeps its databases")
    state_db: Path | None = Field(None, description="LangGraph checkpoints (default home/state.db)")
    database_url: str | None = Field(
        None, description="postgresql://… to keep checkpoints and incidents in Postgres "
        "(scale-out: servers and workers share it); SQLite in home when unset")

    queue: Literal["embedded", "celery"] = Field(
        "embedded", description="embedded: incidents run in the server process; celery: "
        "`alertfix worker` processes run them (scale-out; state in Postgres)")
    broker_url: str = Field("redis://127.0.0.1:6379/0", description="the Celery broker "
                            "for the celery queue: redis://… or amqp://… (RabbitMQ)")
    broker_queue: str = Field("alertfix", description="the Celery queue's name (one per "
                              "alertfix installation sharing a broker)")
    lease_s: float = Field(60.0, description="a worker's hold on an incident, renewed while "
                           "it runs; a killed worker's incident is taken over after it")
    redeliver_after_s: float = Field(300.0, description="a delivery acknowledged and not "
                                     "worked on this long is queued again")
    service_retries: int = Field(3, description="retries of a stage whose service is "
                                 "unavailable before the incident waits for it")
    service_backoff_s: float = Field(2.0, description="first retry delay (doubles each time; "
                                     "a service's Retry-After wins when longer)")
    service_backoff_max_s: float = Field(30.0, description="longest in-stage retry delay; "
                                         "a longer Retry-After makes the incident wait")
    service_wait_s: float = Field(300.0, description="how long a waiting incident waits "
                                  "before `tick` tries its service again (doubling)")

    tracker: Literal["local", "jira", "github"] = "local"
    forge: Literal["local", "github"] = "local"

    path_prefixes: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["/srv/app/", "/app/", "/usr/src/app/", "/opt/app/"],
        description="deploy-path prefixes stripped from stack frames",
    )
    test_timeout_s: float = 600.0
    env_cache: Path | None = Field(
        None, description="where repository environments are kept, shared by every incident "
        "and process (default $XDG_CACHE_HOME/alertfix/envs)")
    env_max_age_days: float = Field(30.0, description="environments unused this long go")
    env_max_gb: float = Field(10.0, description="the least recently used environments go "
                              "beyond this size")
    env_build_timeout_s: float = Field(1800.0, description="one environment build at most")
    verify_window_s: float = Field(
        1800.0, description="the least time verify watches after a deploy (the fault's own "
        "rate sets the rest)")
    verify_max_window_s: float = Field(
        86400.0, description="the most: a fault too rare to verify by then is closed as "
        "fixed, not verified by traffic (.github/alertfix.yml may shorten it)")
    verify_confidence: float = Field(
        0.95, gt=0, lt=1, description="verified once P(no event | fault still there) is "
        "below 1 - this")
    verify_history_s: float = Field(
        7 * 86400.0, description="how far before the deploy the fault's rate is read")
    verify_retry_s: float = Field(
        300.0, description="when a monitor is down, verify tries again after this")
    verify_resolve_in_monitor: bool = Field(
        False, description="on a pass, resolve the Sentry issue (in the release) or the "
        "PagerDuty incident (with a note linking the PR)")
    max_candidates: int = Field(40, description="template and revert candidates kept per incident")
    mutation_budget: int = Field(400, ge=0, description="mutants validated at most per incident")
    search_seconds: float = Field(90.0, gt=0, description="wall-clock budget of one repair "
                                  "search")
    search_extra_candidates: int = Field(24, ge=0, description="candidates tried after the "
                                         "first passing fix, for a smaller or more natural one")
    worker_swap: bool = Field(True, description="the warm worker applies a candidate that "
                              "changes only function bodies by swapping their code (off: a "
                              "fresh pytest session per candidate)")
    worker_direct: bool = Field(True, description="the warm worker calls a plain test "
                                "function (no fixtures, markers or plugins that run tests) "
                                "directly (off: pytest's run-test protocol for every test)")
    worker_parallel: int = Field(2, ge=1, le=8, description="candidates the warm worker runs "
                                 "at a time (one process each)")

    ingest_keys: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="DSN public keys the Sentry-compatible ingest accepts")
    sentry_client_secret: SecretStr | None = None
    github_webhook_secret: SecretStr | None = None
    pagerduty_webhook_secrets: Annotated[list[SecretStr], NoDecode] = Field(
        default_factory=list, description="comma-separated: several during a secret rotation")
    sentry_api_url: str = "https://sentry.io"
    sentry_api_token: SecretStr | None = None
    sentry_org: str | None = Field(None, description="the Sentry organization slug (events "
                                   "by span, releases, resolve in release)")
    pagerduty_api_url: str = "https://api.pagerduty.com"
    pagerduty_api_token: SecretStr | None = None
    pagerduty_from_email: str | None = Field(
        None, description="the PagerDuty user resolving incidents (the From header)")
    # Error-rate metrics for verify (queries per service in .github/alertfix.yml)
    prometheus_url: str | None = None
    prometheus_token: SecretStr | None = None
    datadog_api_url: str = "https://api.datadoghq.com"
    datadog_api_key: SecretStr | None = None
    datadog_app_key: SecretStr | None = None
    services: dict[str, ServiceRepository] = Field(
        default_factory=dict, description="service, Sentry project, PagerDuty service or "
        "GitHub repository → repository (JSON); the key '*' catches the rest")
    webhook_window_s: float = Field(300.0, description="how old a signed timestamp may be")
    webhook_max_bytes: int = 1024 * 1024
    ingest_max_bytes: int = Field(20 * 1024 * 1024, description="envelopes, once decompressed")
    occurrence_comment_interval_s: float = Field(
        900.0, description="at most one ticket comment per fault in this interval")

    # The model path (agent/repair/llm.py): off by default; the deterministic engine runs alone.
    llm_provider: Literal["openai", "anthropic", "replay"] | None = Field(
        None, description="openai (also any OpenAI-compatible server at llm_base_url), "
        "anthropic, or replay (llm_model is then a folder of recorded answers)")
    llm_model: str = Field("", description="the model's name, e.g. gpt-4o-mini")
    llm_base_url: str | None = Field(
        None, description="an OpenAI-compatible server (vLLM, Ollama, llama.cpp, LiteLLM, "
        "Azure OpenAI), or a proxy for Anthropic")
    llm_api_key: SecretStr | None = None
    llm_mode: Literal["off", "fallback", "always"] = Field(
        "off", description="fallback: asked only when no fix passed; always: its candidates "
        "compete with the engine's")
    llm_rounds: int = Field(3, description="answers per incident, each after the last one's "
                            "failure (iterate or escalate)")
    llm_timeout_s: float = Field(120.0, description="one model call at most")
    llm_max_retries: int = Field(2, description="retries of a call (429, 5xx, dropped "
                                 "connection), waiting what Retry-After says")
    llm_max_tokens: int = Field(2048, description="tokens one answer may use")
    llm_incident_tokens: int = Field(60_000, description="budget per incident: tokens")
    llm_incident_calls: int = Field(6, description="budget per incident: calls")
    llm_incident_cost: float = Field(0.50, description="budget per incident: money")
    llm_daily_tokens: int = Field(2_000_000, description="budget per UTC day: tokens")
    llm_daily_calls: int = Field(500, description="budget per UTC day: calls")
    llm_daily_cost: float = Field(20.0, description="budget per UTC day: money")
    llm_prices: dict[str, tuple[float, float]] = Field(
        default_factory=lambda: dict(DEFAULT_PRICES), description="model → [input, output] "
        "price per million tokens (a model not listed costs 0 and is reported as unpriced)")
    llm_record_dir: Path | None = Field(
        None, description="store every model request and answer here (replay reads them)")

    # GitHub App (forge = "github", tracker = "github"); see docs/integrations.md
    github_app_id: int | None = None
    github_private_key: SecretStr | None = Field(None, description="the App's private key (PEM)")
    github_private_key_path: Path | None = None
    github_installation_id: int | None = None
    github_api_url: str = "https://api.github.com"
    github_draft_prs: bool = False

    # Jira (tracker = "jira"): email + api token for Cloud, or a personal access token
    jira_url: str | None = None
    jira_email: str | None = None
    jira_api_token: SecretStr | None = None
    jira_pat: SecretStr | None = None
    jira_project: str | None = None
    jira_issue_type: str = "Bug"
    jira_transitions: dict[str, str] = Field(
        default_factory=dict, description="alertfix status → your workflow's transition name")
    jira_priorities: dict[str, str] = Field(
        default_factory=dict, description="alert severity → Jira priority name")
    jira_resolution: str = "Fixed"

    @model_validator(mode="before")
    @classmethod
    def _empty_is_unset(cls, values: Any) -> Any:
        """`state_db = ""` or `ALERTFIX_SENTRY_API_TOKEN=` means "not set", not a value."""
        if isinstance(values, dict):
            return {k: v for k, v in values.items()
                    if not (v == "" and k in cls.model_fields
                            and cls.model_fields[k].default is None)}
        return values

    @field_validator("path_prefixes", "ingest_keys", "pagerduty_webhook_secrets", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings,
                TomlConfigSettingsSource(settings_cls, toml_file=config_path()))

    def github_key_pem(self) -> str | None:
        if self.github_private_key is not None:
            return self.github_private_key.get_secret_value()
        return self.github_private_key_path.read_text() if self.github_private_key_path else None

    @property
    def state_path(self) -> Path:
        return self.state_db or self.home / "state.db"


def config_path(environ: Mapping[str, str] | None = None) -> Path:
    return Path((os.environ if environ is None else environ).get(CONFIG_VARIABLE,
                                                                 "alertfix.toml"))


CONFIG_VARIABLE = "ALERTFIX_CONFIG"  # where the TOML file is: read here, not a setting


def unknown_settings(environ: Mapping[str, str] | None = None) -> list[str]:
    """One line per `ALERTFIX_*` variable, or key of the config file, that no setting reads
    (pydantic would ignore it silently), with the nearest known name when there is one: a
    singular ALERTFIX_PAGERDUTY_WEBHOOK_SECRET must not quietly leave webhooks unverifiable."""
    environ = os.environ if environ is None else environ
    names = set(Settings.model_fields)
    known = {f"ALERTFIX_{name.upper()}" for name in names} | {CONFIG_VARIABLE}
    lines = []
    for variable in sorted(environ):
        upper = variable.upper()
        if upper.startswith("ALERTFIX_") and upper not in known:
            lines.append(_unknown(f"environment variable {variable}", upper, known))
    path = config_path(environ)
    try:
        keys = tomllib.loads(path.read_text()) if path.is_file() else {}
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        keys = {}  # Settings() reports an unreadable file itself
    lines += [_unknown(f"{path}: key {key!r}", key, names) for key in sorted(keys)
              if key not in names]
    return lines


def _unknown(what: str, name: str, known: set[str]) -> str:
    guess = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.75)
    hint = f"did you mean {guess[0]}?" if guess else "`alertfix init` lists every setting."
    return f"{what} is not an alertfix setting and is ignored; {hint}"


def _toml(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(str(k))} = {_toml(v)}"
                               for k, v in value.items()) + "}"
    if isinstance(value, Path | SecretStr) or value is None:
        return json.dumps(str(value) if isinstance(value, Path) else "")
    return json.dumps(value)  # strings, numbers, booleans and lists read the same in TOML


def config_template() -> str:
    """An `alertfix.toml` listing every setting, commented out, with its default."""
    lines = ["# alertfix configuration. Environment variables ALERTFIX_<NAME> override these.", ""]
    for name, field in Settings.model_fields.items():
        if field.description:
            lines.append(f"# {field.description}")
        lines += [f"# {name} = {_toml(field.get_default(call_default_factory=True))}", ""]
    return "\n".join(lines)
