"""`alertfix doctor`: check every configured integration and the sandbox, and say how to fix
what is missing. It only reads."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from agent.context import build_model
from agent.repair.llm_scope import ANSWER_SCHEMA
from agent.settings import Settings
from tools.doctor import Finding, check_github, check_jira
from tools.llm.base import Message, ModelRequest
from tools.ports import ModelError
from tools.sandbox import SubprocessSandbox, isolation_gaps


def _github_repositories(settings: Settings, given: list[str]) -> list[str]:
    if given:
        return given
    return sorted({s.repository for s in settings.services.values()
                   if s.repository.count("/") == 1 and not Path(s.repository).exists()})


def _github(settings: Settings, repos: list[str]) -> list[Finding]:
    pem = settings.github_key_pem()
    if not (settings.github_app_id and settings.github_installation_id and pem):
        return [Finding("github", "configuration", False, "the GitHub App is not configured",
                        "set ALERTFIX_GITHUB_APP_ID, ALERTFIX_GITHUB_INSTALLATION_ID and "
                        "ALERTFIX_GITHUB_PRIVATE_KEY_PATH (docs/integrations.md)")]
    if not repos:
        return [Finding("github", "repository", False, "no repository to check",
                        "pass --repo owner/name, or map services in ALERTFIX_SERVICES")]
    findings = []
    for repo in repos:
        findings += check_github(repo=repo, app_id=settings.github_app_id, private_key_pem=pem,
                                 installation_id=settings.github_installation_id,
                                 base_url=settings.github_api_url,
                                 issues=settings.tracker == "github")
    return findings


def _jira(settings: Settings) -> list[Finding]:
    if not (settings.jira_url and settings.jira_project):
        return [Finding("jira", "configuration", False, "Jira is not configured",
                        "set ALERTFIX_JIRA_URL, ALERTFIX_JIRA_PROJECT and either "
                        "ALERTFIX_JIRA_EMAIL + ALERTFIX_JIRA_API_TOKEN or ALERTFIX_JIRA_PAT")]
    secret = settings.jira_api_token or None
    pat = settings.jira_pat or None
    return check_jira(url=settings.jira_url, project=settings.jira_project,
                      issue_type=settings.jira_issue_type, email=settings.jira_email,
                      api_token=secret.get_secret_value() if secret else None,
                      personal_access_token=pat.get_secret_value() if pat else None,
                      priorities=settings.jira_priorities or None,
                      resolution=settings.jira_resolution)


def _sandbox() -> list[Finding]:
    with tempfile.TemporaryDirectory() as scratch:
        run = SubprocessSandbox().run(Path(scratch), ["python", "-c", "pass"], 30)
    gaps = isolation_gaps(run.isolation)
    if run.exit_code != 0:
        return [Finding("sandbox", "test run", False, f"a trivial run failed: {run.output[-200:]}",
                        "see tools/sandbox.py for what the sandbox needs")]
    return [Finding("sandbox", "isolation", not gaps,
                    f"walls: {run.isolation}" + (f"; missing: {'; '.join(gaps)}" if gaps else ""),
                    "run where user and network namespaces are allowed (unshare -rn)")]


_PROBE = ModelRequest(
    system="You are checked by alertfix doctor. Answer only by calling the tool.",
    messages=[Message(role="user", content='Call the tool with explanation "ok" and an '
                      "empty list of functions.")],
    answer_schema=ANSWER_SCHEMA, max_tokens=64)


def _model(settings: Settings) -> list[Finding]:
    """One small call: the model answers, and says whether it used the forced tool call."""
    if settings.llm_provider is None:
        if settings.llm_mode == "off":
            return []
        return [Finding("model", "configuration", False,
                        f"llm_mode is {settings.llm_mode} but no model is configured",
                        "set ALERTFIX_LLM_PROVIDER and ALERTFIX_LLM_MODEL (and "
                        "ALERTFIX_LLM_BASE_URL, ALERTFIX_LLM_API_KEY as the server needs)")]
    if settings.llm_provider == "replay":
        folder = Path(settings.llm_model)
        count = len(list(folder.glob("*.json"))) if folder.is_dir() else 0
        return [Finding("model", "recordings", count > 0,
                        f"replay: {count} recorded answer(s) in {folder}",
                        "record some with `alertfix eval --model PROVIDER:MODEL --record DIR`")]
    try:
        model = build_model(settings)
        assert model is not None
        answer = model.complete(_PROBE)
    except (ModelError, ValueError) as exc:
        return [Finding("model", "answer", False, str(exc),
                        "check ALERTFIX_LLM_PROVIDER, ALERTFIX_LLM_MODEL, ALERTFIX_LLM_BASE_URL "
                        "and ALERTFIX_LLM_API_KEY")]
    structured = answer.text.lstrip().startswith("{")
    how = ("with the structured tool call" if structured else
           "in prose, not with the tool call: only answers holding the JSON will be read")
    mode = "" if settings.llm_mode != "off" else "; llm_mode is off, so repair does not ask it"
    return [Finding("model", "answer", True,
                    f"{settings.llm_provider}:{settings.llm_model} answered {how} in "
                    f"{answer.seconds:.1f} s ({answer.tokens} tokens){mode}")]


def run_checks(settings: Settings, repos: list[str]) -> list[Finding]:
    findings = [Finding("git", "installed", shutil.which("git") is not None,
                        "git is on PATH" if shutil.which("git") else "git is not on PATH",
                        "install git")]
    if settings.forge == "github" or settings.tracker == "github":
        findings += _github(settings, _github_repositories(settings, repos))
    if settings.tracker == "jira":
        findings += _jira(settings)
    return findings + _model(settings) + _sandbox()
