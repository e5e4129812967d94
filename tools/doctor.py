"""Integration checks for `alertfix doctor`: what works, what is missing, and how to fix it.

Each check returns findings instead of raising, so one broken integration does not hide the
state of the others. The checks use the same adapters (and error translation) as a run, and
only read: nothing is created in GitHub or Jira.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import jwt

from tools.forge.github import ERRORS as FORGE_ERRORS
from tools.github_auth import GITHUB_API, GitHubApp, call
from tools.ports import ForgeError, RetryPolicy, TrackerError
from tools.tracker.jira import DEFAULT_PRIORITIES, JiraTracker


@dataclass(frozen=True)
class Finding:
    integration: str  # "github", "jira"
    check: str  # what was checked, e.g. "authentication", "permission contents"
    ok: bool
    message: str
    fix: str = ""  # what to do when not ok


# What the App needs, and nothing more (the security model: least privilege).
FORGE_PERMISSIONS: dict[str, str] = {
    "metadata": "read",
    "contents": "write",  # push alertfix/* branches
    "pull_requests": "write",  # open, update, comment on PRs; read merged state
    "checks": "read",  # CI results on the default branch after a deploy (verify)
    "deployments": "read",  # which sha is deployed where (verify, deploy correlation)
}
ISSUES_PERMISSIONS: dict[str, str] = {"issues": "write"}
# pull_request resumes the review wait (merged or closed); deployment_status resumes the
# deploy wait. Optional extras are listed in docs/integrations.md.
WEBHOOK_EVENTS = ("pull_request", "deployment_status")
_PERMISSION_NAMES = {
    "metadata": "Metadata", "contents": "Contents", "pull_requests": "Pull requests",
    "checks": "Checks", "deployments": "Deployments", "issues": "Issues",
}
_LEVEL = {"read": 1, "write": 2, "admin": 3}
JIRA_PERMISSIONS = ("BROWSE_PROJECTS", "CREATE_ISSUES", "ADD_COMMENTS", "TRANSITION_ISSUES",
                    "RESOLVE_ISSUES")


def check_github(
    *,
    repo: str,
    app_id: int | str,
    private_key_pem: str,
    installation_id: int,
    base_url: str = GITHUB_API,
    issues: bool = False,
    retry: RetryPolicy | None = None,
) -> list[Finding]:
    """App authentication, installation, permissions, webhook events and repository access."""
    out: list[Finding] = []

    def add(check: str, ok: bool, message: str, fix: str = "") -> None:
        out.append(Finding("github", check, ok, message, fix))

    policy = retry or RetryPolicy(attempts=2, backoff=0.5)
    app = GitHubApp(app_id=app_id, private_key_pem=private_key_pem,
                    installation_id=installation_id, base_url=base_url, retry=policy)
    try:
        gh_app = call(lambda: app.integration().get_app(), "authenticate as the GitHub App",
                      FORGE_ERRORS, policy)
        add("app authentication", True, f"authenticated as App {gh_app.slug!r} (id {app_id})")
        events = set(gh_app.events or [])
    except ForgeError as exc:
        add("app authentication", False, str(exc),
            "Set the App id and private key from the App's settings page "
            "(General → Private keys → Generate a private key).")
        return out
    except (ValueError, TypeError, jwt.PyJWTError) as exc:  # the PEM does not parse
        add("app authentication", False,
            f"the private key could not sign a JWT ({type(exc).__name__})",
            "Paste the whole PEM file generated for the App, BEGIN and END lines included.")
        return out
    missing_events = [e for e in WEBHOOK_EVENTS if e not in events]
    add("webhook events", not missing_events,
        "subscribed to " + ", ".join(sorted(events)) if not missing_events
        else "not subscribed to " + ", ".join(missing_events),
        "" if not missing_events else
        "App settings → Permissions & events → Subscribe to events: tick "
        + ", ".join(missing_events) + ".")

    try:
        token = app.installation_token(FORGE_ERRORS)
        add("installation", True, f"installation {installation_id} issued a token")
    except ForgeError as exc:
        add("installation", False, str(exc),
            "Install the App (App page → Install App), then use the number at the end of "
            "the installation's Configure URL as the installation id.")
        return out

    wanted = {**FORGE_PERMISSIONS, **(ISSUES_PERMISSIONS if issues else {})}
    for name, level in wanted.items():
        have = token.permissions.get(name, "")
        ok = _LEVEL.get(have, 0) >= _LEVEL[level]
        label = _PERMISSION_NAMES.get(name, name)
        add(f"permission {name}", ok,
            f"{label}: {have or 'none'} (needs {level})",
            "" if ok else
            f"App settings → Permissions & events → Repository permissions → {label}: "
            f"{'Read and write' if level == 'write' else 'Read-only'}; then accept the new "
            "permissions on the installation (Settings → GitHub Apps → Configure).")

    try:
        client = app.client()
        info = call(lambda: client.get_repo(repo), f"read repository {repo}", FORGE_ERRORS,
                    policy)
        add("repository", True, f"{repo} is accessible (default branch {info.default_branch})")
    except ForgeError as exc:
        add("repository", False, str(exc),
            f"Check the repository name, and add {repo} to the App's repository access "
            "(Settings → GitHub Apps → Configure → Repository access).")
    return out


def check_jira(
    *,
    url: str,
    project: str,
    issue_type: str = "Bug",
    email: str | None = None,
    api_token: str | None = None,
    personal_access_token: str | None = None,
    priorities: Mapping[str, str] | None = None,
    resolution: str | None = "Fixed",
    retry: RetryPolicy | None = None,
) -> list[Finding]:
    """Reachability, authentication, project and issue type, permissions, priorities."""
    out: list[Finding] = []

    def add(check: str, ok: bool, message: str, fix: str = "") -> None:
        out.append(Finding("jira", check, ok, message, fix))

    try:
        tracker = JiraTracker(url=url, project=project, issue_type=issue_type, email=email,
                              api_token=api_token, personal_access_token=personal_access_token,
                              retry=retry or RetryPolicy(attempts=2, backoff=0.5))
    except ValueError as exc:
        add("configuration", False, str(exc),
            "Set jira email + api token (Cloud) or a personal access token (Data Center).")
        return out
    try:
        client = tracker.client()
        me = tracker.call(client.myself, "read the current user", "find")
        add("authentication", True, f"authenticated as {me.get('displayName', '?')} "
                                    f"({client.deploymentType or 'Server'})")
    except TrackerError as exc:
        add("authentication", False, str(exc),
            "Check the Jira URL (the site root, e.g. https://acme.atlassian.net) and the "
            "credentials.")
        return out

    try:
        proj = tracker.call(lambda: client.project(project), f"read project {project}", "find")
        add("project", True, f"project {project} exists ({proj.name})")
        types = [t.name for t in getattr(proj, "issueTypes", [])]
        add("issue type", issue_type in types,
            f"issue type {issue_type!r} " + ("exists" if issue_type in types
                                             else f"is not in {project}: {', '.join(types)}"),
            "" if issue_type in types else "Set the tracker's issue type to one of those.")
    except TrackerError as exc:
        add("project", False, str(exc),
            f"Check the project key; the account needs Browse Projects on {project}.")
        return out

    try:
        perms = tracker.call(
            lambda: client.my_permissions(projectKey=project,
                                          permissions=",".join(JIRA_PERMISSIONS)),
            "read the account's permissions", "find")["permissions"]
        for key in JIRA_PERMISSIONS:
            have = bool(perms.get(key, {}).get("havePermission"))
            name = perms.get(key, {}).get("name", key)
            add(f"permission {key}", have, f"{name}: {'granted' if have else 'missing'}",
                "" if have else f"Grant '{name}' to the account in {project}'s permission "
                                "scheme (Project settings → Permissions).")
        names = {p.name for p in tracker.call(client.priorities, "list priorities", "find")}
        wanted = sorted(set({**DEFAULT_PRIORITIES, **(priorities or {})}.values()))
        unknown = [p for p in wanted if p not in names]
        add("priorities", not unknown,
            "all mapped priorities exist" if not unknown
            else f"unknown priorities: {', '.join(unknown)} (Jira has {', '.join(sorted(names))})",
            "" if not unknown else "Map each severity to a priority Jira has.")
        if resolution:
            res = {r.name for r in tracker.call(client.resolutions, "list resolutions", "find")}
            add("resolution", resolution in res,
                f"resolution {resolution!r} " + ("exists" if resolution in res
                                                 else f"is unknown ({', '.join(sorted(res))})"),
                "" if resolution in res else "Set the tracker's resolution to one Jira has.")
    except TrackerError as exc:
        add("permissions", False, str(exc), "See the message.")
    return out


def format_findings(findings: Iterable[Finding]) -> str:
    """Plain text for the CLI: one line per check, a fix under each failure."""
    lines = []
    for f in findings:
        lines.append(f"[{'ok' if f.ok else 'FAIL'}] {f.integration}: {f.check}: {f.message}")
        if not f.ok and f.fix:
            lines.append(f"       fix: {f.fix}")
    return "\n".join(lines)
