"""What alertfix may do in one repository, read from `.github/alertfix.yml` in that repository.

The file uses the field names of `Policy`; every key is optional. Forbidden paths given in the
file are added to the defaults, never substituted for them: a repository can tighten what
alertfix may touch but cannot open up its own CI, lock files or secrets to it. Reading the
file is the only I/O in `guardrails`, and it never raises: a file that cannot be used becomes
a Policy that denies everything, with the reason.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from guardrails.verdict import Verdict

POLICY_FILES = (".github/alertfix.yml", ".github/alertfix.yaml")
MAX_POLICY_BYTES = 64 * 1024

DEFAULT_FORBIDDEN_PATHS: tuple[str, ...] = (
    # CI, CODEOWNERS and this policy: changing them would let alertfix widen its own rights.
    ".github/", ".gitlab-ci.yml", ".circleci/", "Jenkinsfile", ".gitmodules",
    ".pre-commit-config.yaml",
    # Schema migrations run once against production data; a human writes those.
    "migrations/", "alembic/",
    # Lock files: dependency changes go through the dependency rule and a human.
    "*.lock", "package-lock.json", "npm-shrinkwrap.json", "pnpm-lock.yaml", "go.sum",
    # Infrastructure.
    "*.tf", "*.tfvars", "*.hcl", "terraform/", "infra/", "infrastructure/", "k8s/",
    "kubernetes/", "helm/", "charts/", "ansible/", "Dockerfile", "Dockerfile.*",
    "*.dockerfile", "docker-compose*.{yml,yaml}", "compose.{yml,yaml}", "Procfile",
    # Secrets and credentials.
    ".env", ".env.*", "*.env", "*.pem", "*.key", "*.p12", "*.pfx", "*.jks", "*.keystore",
    "id_rsa*", "id_ed25519*", "id_ecdsa*", "secrets/", "*secret*", "*credential*",
    ".npmrc", ".pypirc", ".netrc",
)  # fmt: skip

DEFAULT_TEST_PATHS: tuple[str, ...] = (
    "tests/", "test/", "test_*.py", "*_test.py", "conftest.py",
)  # fmt: skip

# A starting point for `.github/alertfix.yml`, with every setting at its default.
EXAMPLE_POLICY = """\
# What alertfix may do in this repository. Every key is optional.
enabled: true                  # the kill switch: false stops all PRs (tickets still get RCA)
allowed_paths: ["**"]          # globs alertfix may change
forbidden_paths: []            # added to the built-in list (CI, migrations, lock files,
                               # infrastructure, secrets), which cannot be removed
test_paths: ["tests/", "test/", "test_*.py", "*_test.py", "conftest.py"]
max_files: 5
max_lines: 200                 # added plus removed lines
allow_new_dependencies: false  # new packages in manifests or new third-party imports
allow_out_of_scope: false      # changes outside the functions the root cause names
known_first_party: []          # this repository's top-level modules, if not obvious from paths
sources: [sentry, pagerduty, ci]
severities: [fatal, critical, error]
max_open_prs: 3
max_incidents_per_hour: 10
min_confidence: 0.5            # below: no PR; the ticket gets the analysis and the patch
                               # (a mitigation alone stays below unless this is lowered)
                               # (a mitigation alone stays below it unless lowered)
high_confidence: 0.8           # below (and for every mitigation): the PR is a draft
# How the tests run (each optional; detected from the repository when unset):
# python: "3.11"               # the interpreter (a version or a path); never downloaded
# setup: "pip install -e .[test]"   # run in the activated environment instead of the
#                                   # dependency files (uv.lock, requirements*.txt, ...)
# test_command: "python -m pytest -q"
# services:                    # monorepos: path prefix -> the service's directory
#   services/billing/: services/billing
#   services/api/: {path: services/api, python: "3.12", test_command: "python -m pytest"}
# verification:                # what verify reads after a deploy, per alerting service
#   max_window_hours: 24
#   services:
#     billing:
#       error_rate: {prometheus: 'sum(rate(http_requests_total{job="billing",code=~"5.."}[5m]))'}
#       # or {datadog: 'sum:trace.flask.request.errors{service:billing}.as_rate()'}
#       health_checks: ["https://billing.internal/healthz"]
"""

# Fields the policy file may not set: they describe where the policy came from.
_INTERNAL_FIELDS = frozenset({"problems", "origin"})


class ServiceConfig(BaseModel):
    """One service of a monorepo: its directory, and how its own environment is made."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    path: str
    python: str | None = None
    setup: str | None = None
    test_command: str | tuple[str, ...] | None = None


class ErrorRateQuery(BaseModel):
    """A query answering the service's errors per second, for one metrics backend."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    prometheus: str | None = None
    datadog: str | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> ErrorRateQuery:
        if (self.prometheus is None) == (self.datadog is None):
            raise ValueError("give exactly one of prometheus or datadog")
        return self


class ServiceChecks(BaseModel):
    """What verify reads for one service besides the monitor that raised the alert."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    error_rate: ErrorRateQuery | None = None
    health_checks: tuple[str, ...] = ()

    @field_validator("health_checks")
    @classmethod
    def _http_urls(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        bad = [url for url in value if not url.startswith(("http://", "https://"))]
        if bad:
            raise ValueError(f"not an http(s) URL: {bad[0][:80]}")
        return value


class VerificationPolicy(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    max_window_hours: float | None = Field(default=None, gt=0)  # shortens the configured max
    services: dict[str, ServiceChecks] = Field(default_factory=dict)  # alert service name or *

    def checks_for(self, service: str) -> ServiceChecks:
        return self.services.get(service) or self.services.get("*") or ServiceChecks()


class Policy(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    enabled: bool = True  # the kill switch
    allowed_paths: tuple[str, ...] = ("**",)
    forbidden_paths: tuple[str, ...] = DEFAULT_FORBIDDEN_PATHS
    test_paths: tuple[str, ...] = DEFAULT_TEST_PATHS
    max_files: int = Field(default=5, ge=0)
    max_lines: int = Field(default=200, ge=0)  # added + removed lines
    allow_new_dependencies: bool = False
    allow_out_of_scope: bool = False
    known_first_party: tuple[str, ...] = ()  # top-level modules of the repository itself
    sources: tuple[str, ...] = ("sentry", "pagerduty", "ci")
    severities: tuple[str, ...] = ("fatal", "critical", "error")
    max_open_prs: int = Field(default=3, ge=0)
    max_incidents_per_hour: int = Field(default=10, ge=0)
    min_confidence: float = Field(default=0.5, ge=0, le=1)
    high_confidence: float = Field(default=0.8, ge=0, le=1)
    # How the repository's tests run (read by the environment stage, not a permission).
    python: str | None = None
    setup: str | None = None
    test_command: str | tuple[str, ...] | None = None
    services: dict[str, ServiceConfig] = Field(default_factory=dict)
    # What verify reads after a deploy, per service (error-rate query, health checks).
    verification: VerificationPolicy = Field(default_factory=VerificationPolicy)
    # Set by load_policy, not by the file.
    origin: str = "defaults"
    problems: tuple[str, ...] = ()

    @field_validator(
        "allowed_paths", "forbidden_paths", "test_paths", "known_first_party", "sources",
        "severities", mode="before",
    )  # fmt: skip
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        # `sources: sentry` is what people write; accept it as a one-item list.
        return (value,) if isinstance(value, str) else value

    @field_validator("services", mode="before")
    @classmethod
    def _service_dirs(cls, value: Any) -> Any:
        # `services/billing/: services/billing` is the short form.
        if isinstance(value, dict):
            return {k: {"path": v} if isinstance(v, str) else v for k, v in value.items()}
        return value

    @field_validator("forbidden_paths")
    @classmethod
    def _keep_defaults(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(dict.fromkeys((*DEFAULT_FORBIDDEN_PATHS, *value)))

    @field_validator("sources", "severities")
    @classmethod
    def _lower(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(v.strip().lower() for v in value)

    @classmethod
    def invalid(cls, reason: str, origin: str = "defaults") -> Policy:
        """A policy that denies everything because the configured one cannot be used."""
        return cls(enabled=False, origin=origin, problems=(reason,))


def policy_verdict(policy: Policy) -> Verdict:
    """Deny when the policy is unusable or the kill switch is off; every action checks this."""
    if policy.problems:
        return Verdict.deny(*policy.problems)
    if not policy.enabled:
        return Verdict.deny(
            f"alertfix is disabled for this repository (enabled: false in {policy.origin})"
        )
    return Verdict.allow()


def _validation_message(error: ValidationError) -> str:
    parts = []
    for item in error.errors():
        where = ".".join(str(x) for x in item["loc"]) or "file"
        message = "unknown key" if item["type"] == "extra_forbidden" else item["msg"]
        parts.append(f"{where}: {message}")
    return "; ".join(parts)


def parse_policy(text: str, origin: str = POLICY_FILES[0]) -> Policy:
    """A Policy from the text of a policy file; problems become a denying Policy."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        return Policy.invalid(f"policy {origin} is not valid YAML{where}", origin)
    if data is None:
        return Policy(origin=origin)
    if not isinstance(data, dict):
        return Policy.invalid(f"policy {origin} must be a mapping of settings", origin)
    internal = sorted(str(k) for k in data if k in _INTERNAL_FIELDS)
    if internal:
        keys = ", ".join(internal)
        return Policy.invalid(f"policy {origin} is invalid: {keys}: unknown key", origin)
    try:
        return Policy.model_validate({**data, "origin": origin})
    except ValidationError as exc:
        return Policy.invalid(f"policy {origin} is invalid: {_validation_message(exc)}", origin)


def load_policy(repo_dir: Path) -> Policy:
    """The repository's policy, or the defaults when it has none. Never raises."""
    found = [name for name in POLICY_FILES if (repo_dir / name).is_file()]
    if not found:
        return Policy()
    if len(found) > 1:
        return Policy.invalid(f"both {' and '.join(found)} exist; keep one", found[0])
    origin = found[0]
    path = repo_dir / origin
    try:
        # A symlink pointing outside the checkout must not make us read arbitrary files.
        if not path.resolve().is_relative_to(repo_dir.resolve()):
            return Policy.invalid(f"policy {origin} points outside the repository", origin)
        raw = path.read_bytes()[: MAX_POLICY_BYTES + 1]
    except OSError as exc:
        return Policy.invalid(f"policy {origin} cannot be read ({exc.strerror or exc})", origin)
    if len(raw) > MAX_POLICY_BYTES:
        return Policy.invalid(f"policy {origin} is larger than {MAX_POLICY_BYTES} bytes", origin)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return Policy.invalid(f"policy {origin} is not UTF-8 text", origin)
    return parse_policy(text, origin)


def describe_policy(policy: Policy) -> str:
    """The policy as a short Markdown list, so that a PR shows the limits it was made under."""
    if policy.problems or not policy.enabled:
        return f"- policy ({policy.origin}): {'; '.join(policy_verdict(policy).reasons)}"
    extra_forbidden = [p for p in policy.forbidden_paths if p not in DEFAULT_FORBIDDEN_PATHS]
    lines = [
        f"- policy: {policy.origin}",
        f"- may change: {', '.join(policy.allowed_paths)}",
        "- never changes: CI, migrations, lock files, infrastructure, secrets"
        + (f", {', '.join(extra_forbidden)}" if extra_forbidden else ""),
        f"- budget: {policy.max_files} files, {policy.max_lines} lines",
        f"- new dependencies: {'allowed' if policy.allow_new_dependencies else 'not allowed'}",
        "- changes outside the functions named by the root cause: "
        + ("allowed" if policy.allow_out_of_scope else "not allowed"),
        f"- PRs for: {', '.join(policy.sources)} alerts of severity {', '.join(policy.severities)}",
        f"- at most {policy.max_open_prs} open PRs and "
        f"{policy.max_incidents_per_hour} new incidents an hour",
    ]
    return "\n".join(lines)
