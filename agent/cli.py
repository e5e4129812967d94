"""The `alertfix` command line."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markdown import Markdown
from rich.table import Table

from agent.incidents.alerts import incoming
from agent.incidents.service import Busy, IncidentService, Report, UnknownIncident
from agent.incidents.waits import ServiceWait, VerificationWait
from agent.settings import Settings, unknown_settings
from guardrails.redact import redact
from tools.forge.local import LocalForge
from tools.ports import AlertParseError, ServiceError, Unavailable
from tools.tracker.local import LocalTracker

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Turn a production alert into a reviewed, verified fix.")
console = Console()

HomeOption = Annotated[Path | None, typer.Option(
    "--home", help="alertfix's data directory (default: ALERTFIX_HOME or .alertfix)")]


def _settings(home: Path | None, *, warn: bool = True) -> Settings:
    """The settings every command starts from; a misspelt setting is said once, on stderr."""
    if warn:
        for line in unknown_settings():
            typer.echo(f"alertfix: warning: {line}", err=True)
    return Settings(home=home) if home else Settings()


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.echo(f"alertfix: {' '.join(message.split())}", err=True)  # one line, never wrapped
    return typer.Exit(code)


def print_timeline(report: Report) -> None:
    if report.state is None:
        return
    table = Table(title=f"Incident {report.incident_id}", show_lines=False)
    table.add_column("stage")
    table.add_column("seconds", justify="right")
    table.add_column("what happened", overflow="fold")
    for event in report.state.timeline:
        table.add_row(event.stage, f"{event.seconds:.2f}", event.summary)
    console.print(table)


def print_next_steps(report: Report) -> None:
    state = report.state
    ticket = state.ticket.key if state and state.ticket else "no ticket"
    console.print(f"[bold]{report.incident_id}[/] ({ticket}): {report.status}")
    if report.attached:
        console.print("This alert joined an incident already in flight; its ticket has a comment.")
    if report.waiting_for == "review" and state and state.pull_request:
        pr = state.pull_request
        console.print(f"Pull request #{pr.number} ({pr.branch}) waits for review.\n"
                      f"  approve: alertfix approve {report.incident_id}\n"
                      f"  reject:  alertfix reject {report.incident_id}")
    elif report.waiting_for == "deploy":
        console.print(f"Merged. Once deployed: alertfix deployed {report.incident_id}")
    elif isinstance(report.wait, VerificationWait):
        delayed = report.wait.delayed
        console.print(f"{delayed.capitalize() if delayed else 'Deployed.'} Verification is due "
                      f"at {report.wait.due}; `alertfix tick` runs it then.", markup=False)
    elif isinstance(report.wait, ServiceWait):
        console.print(f"Waiting for the {report.wait.port}: {report.wait.reason}\n"
                      f"  try again now: alertfix retry {report.incident_id}", markup=False)
    elif state and state.outcome == "escalated":
        console.print(f"Escalated to a human: {state.escalation}", markup=False)


def _runtime_call(call: Any) -> Report:
    """Run a runtime call; anything that goes wrong is one line, never a traceback. The
    incident is checkpointed before each stage, so running the command again resumes it."""
    try:
        result: Report = call()
        return result
    except UnknownIncident as exc:
        raise _fail(str(exc.args[0])) from None
    except Busy as exc:
        raise _fail(f"{exc}; try again in a moment", 1) from None
    except AlertParseError:
        raise
    except Unavailable as exc:  # after the adapter's own bounded retries
        wait = f" (it asked for {exc.retry_after:.0f}s)" if exc.retry_after else ""
        raise _fail(f"the {exc.port} is unavailable{wait}: {redact(str(exc))[:300]} The "
                    "incident is saved; run the same command again later to resume it.",
                    1) from None
    except ServiceError as exc:  # Refused or NotFound: retrying the same call cannot help
        raise _fail(f"the {exc.port} refused: {redact(str(exc))[:300]} The incident is "
                    "saved; fix the cause, then run the same command again.", 1) from None
    except RuntimeError as exc:
        raise _fail(str(exc)) from None
    except Exception as exc:  # a git or sandbox failure mid-stage
        raise _fail(f"stopped by {type(exc).__name__}: {redact(str(exc))[:300]}. The incident "
                    "is saved; run the same command again to resume it.", 1) from None


@app.command()
def demo(
    directory: Annotated[Path, typer.Argument(help="where to build the sample service")] = Path(
        "alertfix-demo"),
) -> None:
    """Run the whole loop on a sample service: alert → ticket → fix → PR → deploy → closed."""
    from agent.demo import run_demo

    console.rule("alertfix demo")
    try:
        result = run_demo(directory.resolve(), lambda line: console.print("• " + line,
                                                                           markup=False))
    except FileExistsError as exc:
        raise _fail(str(exc)) from None
    print_timeline(result.report)
    state = result.report.state
    home = directory / ".alertfix"
    if state and state.ticket:
        console.print(f"Ticket {state.ticket.key}: {state.ticket.status}")
    if state and state.chosen:
        console.print(Markdown(f"```diff\n{state.chosen.diff}```"))
    console.print(f"See the ticket and the PR:  alertfix explain --home {home} "
                  f"{result.report.incident_id}\n"
                  f"The alert as received:      {result.alert_file}\n"
                  f"The fixed branch, merged:   git -C {home}/forge/shop.git log --oneline main")
    if not result.ok:
        raise _fail(f"the demo did not end verified and closed: {result.report.status}", 1)
    verification = state.verification if state else None
    verdict = ("verified" if verification and verification.verdict == "verified" else
               "fixed; one replayed request is too little traffic to verify by rate")
    console.print(f"[bold green]Done: the ticket is closed ({verdict}).[/]")


@app.command()
def run(
    alert: Annotated[Path, typer.Option(help="the alert payload (JSON)")],
    repo: Annotated[Path, typer.Option(help="the service's git repository")],
    source: Annotated[str, typer.Option(help="sentry | pagerduty | ci")] = "sentry",
    branch: Annotated[str | None, typer.Option(help="default branch (default: HEAD's)")] = None,
    home: HomeOption = None,
) -> None:
    """Run the loop on one alert and repository, up to the review wait."""
    try:
        payload = json.loads(alert.read_text())
    except FileNotFoundError:
        raise _fail(f"{alert}: no such file") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise _fail(f"{alert} is not JSON: {exc}") from None
    settings = _settings(home)
    if source == "pagerduty" and isinstance(payload, dict) and "alerts" not in payload:
        payload = _with_pagerduty_alerts(settings, payload)
    try:
        parsed = incoming(source, payload)
    except AlertParseError as exc:
        raise _fail(f"{alert}: {exc}") from None
    service = IncidentService(settings)
    try:
        repo_ref = service.register_local_repo(repo, branch)
    except Exception as exc:
        raise _fail(f"{repo} is not a usable git repository ({type(exc).__name__})") from None
    report = _runtime_call(lambda: service.receive(parsed, repo_ref))
    print_timeline(report)
    print_next_steps(report)


def _with_pagerduty_alerts(settings: Settings, payload: dict[str, Any]) -> dict[str, Any]:
    """A V3 webhook carries no alert details: fetch them as the server does."""
    from tools.monitors.pagerduty import PagerDutyClient

    if settings.pagerduty_api_token is None:
        raise _fail("a PagerDuty webhook carries no alert details: set "
                    "ALERTFIX_PAGERDUTY_API_TOKEN so alertfix can fetch them, or pass the "
                    "payload with its incident's alerts joined in as `alerts`")
    client = PagerDutyClient(settings.pagerduty_api_url,
                             settings.pagerduty_api_token.get_secret_value())
    try:
        return client.with_alerts(payload)
    except (ServiceError, AlertParseError) as exc:
        raise _fail(f"could not read the incident's alerts from PagerDuty: {exc}") from None
    finally:
        client.close()


@app.command()
def approve(incident: str, by: str = "reviewer", home: HomeOption = None) -> None:
    """Approve the incident's PR (embedded mode: the local forge merges, as a reviewer would)."""
    service = IncidentService(_settings(home))
    report = _runtime_call(lambda: service.approve(incident, by))
    print_timeline(report)
    print_next_steps(report)


@app.command()
def reject(incident: str, by: str = "reviewer", home: HomeOption = None) -> None:
    """Reject the incident's PR: it is closed unmerged and the ticket goes back to a human."""
    service = IncidentService(_settings(home))
    report = _runtime_call(lambda: service.reject(incident, by))
    print_next_steps(report)


@app.command()
def deployed(incident: str, environment: str = "production", home: HomeOption = None) -> None:
    """Say the merged fix is deployed (embedded mode records the deploy tag); then verify."""
    service = IncidentService(_settings(home))
    report = _runtime_call(lambda: service.deployed(incident, environment))
    print_timeline(report)
    print_next_steps(report)


@app.command()
def tick(home: HomeOption = None) -> None:
    """Resume incidents whose verification window has passed (run it from cron or a timer)."""
    reports = IncidentService(_settings(home)).tick()
    for report in reports:
        print_next_steps(report)
    if not reports:
        console.print("No incident is due.")


@app.command()
def retry(incident: str, by: str = "operator", home: HomeOption = None) -> None:
    """Try again now an incident that waits for a service (or stopped on an error)."""
    service = IncidentService(_settings(home))
    report = _runtime_call(lambda: service.retry(incident, by))
    print_timeline(report)
    print_next_steps(report)


@app.command()
def status(
    home: HomeOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object per incident")] = False,
) -> None:
    """List incidents and where each one stands (read from the store: cheap at any size)."""
    service = IncidentService(_settings(home))
    rows = service.store.all()
    if as_json:
        for row in rows:
            waiting = json.loads(row.waiting) if row.waiting else None
            typer.echo(json.dumps({
                "id": row.incident_id, "fingerprint": row.fingerprint, "stage": row.status,
                "ticket": row.ticket, "pull_request": row.pull_request,
                "occurrences": row.occurrences, "waiting": waiting}))
        return
    table = Table(title="alertfix incidents")
    for column in ("incident", "ticket", "fingerprint", "stage", "pull request"):
        table.add_column(column, overflow="fold")
    for row in rows:
        stage = row.status
        if row.waiting and (wait := json.loads(row.waiting)).get("reason"):
            stage += f": {wait['reason']}"
        table.add_row(row.incident_id, row.ticket or "", row.fingerprint[:12], stage,
                      row.pull_request or "")
    console.print(table)


@app.command()
def explain(incident: str, home: HomeOption = None) -> None:
    """Show an incident's ticket, root cause and pull request."""
    settings = _settings(home)
    service = IncidentService(settings)
    report = _runtime_call(lambda: service.report(service.incident_id(incident)))
    print_timeline(report)
    state = report.state
    if state is None:
        raise _fail(f"{incident} has not started")
    context = service.context(state.repo)
    if state.ticket and isinstance(context.tracker, LocalTracker):
        tracker = context.tracker
        ticket = tracker.get(state.ticket.key)
        console.rule(f"{ticket.key} [{ticket.status}] {ticket.title}", characters="─")
        console.print(Markdown(tracker.body(ticket.key)))
        for comment in tracker.comments(ticket.key):
            console.rule(characters="·")
            console.print(Markdown(comment))
        for path in tracker.attachments(ticket.key):
            console.print(f"Attachment: {path.resolve().as_uri()}", markup=False)
    if state.pull_request and isinstance(context.forge, LocalForge):
        pr = state.pull_request
        console.rule(f"PR #{pr.number} [{pr.status}] {pr.title}", characters="─")
        console.print(Markdown(context.forge.body(pr.number)))


@app.command(name="eval")
def eval_cases(
    cases: Annotated[Path | None, typer.Option(
        help="folder of incident cases, or one case (default: the project's evals/cases)")] = None,
    only: Annotated[list[str] | None, typer.Option(
        help="run only these case ids (repeat, or separate with commas)")] = None,
    jobs: Annotated[int, typer.Option(min=1, help="cases to run in parallel")] = 1,
    out: Annotated[Path, typer.Option(
        help="where results.json, report.md and junit.xml go")] = Path("alertfix-eval"),
    baseline: Annotated[Path | None, typer.Option(
        help="an earlier results.json: fewer fixed cases than it fails the run")] = None,
    model: Annotated[str | None, typer.Option(
        help="PROVIDER:MODEL (openai, anthropic; replay:FOLDER of recorded answers): each case "
             "runs without it, then with it, and the report compares them")] = None,
    llm_mode: Annotated[str, typer.Option(
        help="with --model: fallback (asked when no fix passed) or always")] = "fallback",
    record: Annotated[Path | None, typer.Option(
        help="with --model: store every request and answer here (replay:FOLDER reads them)")
    ] = None,
) -> None:
    """Run incident cases end to end and judge them (exit 1: a case errored or a regression)."""
    from evals.harness import DEFAULT_CASES, eval_command

    ids = [part.strip() for item in only or [] for part in item.split(",") if part.strip()]
    raise typer.Exit(eval_command(cases or DEFAULT_CASES, ids, jobs, out, baseline, model,
                                  llm_mode, record))


@app.command()
def serve(host: str = "127.0.0.1", port: int = 8000, home: HomeOption = None) -> None:
    """Serve the webhooks and the Sentry-compatible ingest (secrets from ALERTFIX_*)."""
    from agent.server.app import serve as run_server

    run_server(_settings(home), host, port)


@app.command()
def worker(
    home: HomeOption = None,
    tick_interval: Annotated[float, typer.Option(help="seconds between timer checks")] = 30.0,
) -> None:
    """Run incidents from the Celery queue (ALERTFIX_QUEUE=celery; broker ALERTFIX_BROKER_URL,
    state in ALERTFIX_DATABASE_URL). Start as many as you like, on any machines."""
    from agent.server.tasks import run_worker

    settings = _settings(home)
    run_worker(settings, tick_interval)


@app.command()
def doctor(
    repo: Annotated[list[str] | None, typer.Option(help="GitHub repositories (owner/name)")] = None,
    home: HomeOption = None,
) -> None:
    """Check each configured integration and the sandbox; say what is missing and how to fix it."""
    from agent.doctor import run_checks
    from tools.doctor import format_findings

    findings = run_checks(_settings(home, warn=False), repo or [])  # warnings are findings
    typer.echo(format_findings(findings))
    if not all(f.ok for f in findings):
        raise typer.Exit(1)


@app.command()
def init(
    path: Annotated[Path, typer.Argument(help="the config file to write")] = Path("alertfix.toml"),
) -> None:
    """Write a commented configuration file listing every setting and its default."""
    from agent.settings import config_template

    if path.exists():
        raise _fail(f"{path} already exists; alertfix init never overwrites a config")
    path.write_text(config_template())
    console.print(f"Wrote {path}. Uncomment what you need; ALERTFIX_* variables override it.")


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
