"""The data model of an incident case spec.

A spec is plain Python data: the service's files per commit, who wrote each commit and
when, which commits were deployed, which commit introduced the fault, how to trigger the
failure, where a fix belongs, the hidden judge tests and a known-good fix. The known-good
fix lives only here, never in the generated case folder.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from datetime import datetime, timedelta

AUTHORS: dict[str, tuple[str, str]] = {
    "ana": ("Ana Duarte", "ana.duarte@acme.dev"),
    "ben": ("Ben Okafor", "ben.okafor@acme.dev"),
    "chen": ("Chen Wei", "chen.wei@acme.dev"),
    "dora": ("Dora Lindqvist", "dora.lindqvist@acme.dev"),
    "eli": ("Eli Haddad", "eli.haddad@acme.dev"),
    "fay": ("Fay Morgan", "fay.morgan@acme.dev"),
    "gus": ("Gus Pereira", "gus.pereira@acme.dev"),
    "hana": ("Hana Sato", "hana.sato@acme.dev"),
}
DEPLOYER = ("deploy-bot", "deploy-bot@acme.dev")

SOURCES = ("sentry", "pagerduty", "ci")


def src(text: str) -> str:
    """Dedent a triple-quoted file body and make it end with exactly one newline."""
    body = textwrap.dedent(text).strip("\n")
    return body + "\n"


# A GitHub Actions workflow that runs the suite on every push (cases' repositories carry it).
CI_WORKFLOW = src("""
    name: tests
    on: [push, pull_request]
    jobs:
      tests:
        runs-on: ubuntu-latest
        steps:
          - uses: actions/checkout@v4
          - uses: actions/setup-python@v5
            with:
              python-version: "3.11"
          - run: pip install pytest
          - run: python -m pytest -q
""")


@dataclass(frozen=True)
class Edit:
    """Replace exactly one occurrence of `old` with `new` in `path`."""

    path: str
    old: str
    new: str


def apply_edits(files: dict[str, str], edits: list[Edit]) -> dict[str, str]:
    out = dict(files)
    for e in edits:
        text = out[e.path]
        count = text.count(e.old)
        if count != 1:
            raise ValueError(f"edit on {e.path}: expected 1 match of {e.old!r}, found {count}")
        out[e.path] = text.replace(e.old, e.new)
    return out


@dataclass
class Commit:
    message: str
    author: str
    files: dict[str, str | None] = field(default_factory=dict)  # None deletes the file
    edits: list[Edit] = field(default_factory=list)
    deploy: str | None = None  # environment of a deploy of this commit ("production", ...)
    hours: float = 20.0  # hours after the previous commit


@dataclass
class Crash:
    """How the failure is triggered at head: `target` is "module:function" (dotted
    attributes allowed after the colon), `args` a Python expression for the call's
    positional arguments (evaluated as a tuple), `env` the process environment."""

    target: str
    args: str = ""
    env: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    setup: str = ""  # module:function called (without capture) before the crash, if any


@dataclass
class Case:
    id: str
    title: str
    source: str
    service: str  # project / service slug
    start: str  # ISO date of the first commit, UTC
    commits: list[Commit]
    culprit: int | None  # index into commits; None when the fault predates the history
    files: list[str]
    functions: list[str]
    judge: str  # body of judge/test_judge.py
    fix: list[Edit]  # known-good fix applied on top of head; kept out of the case folder
    tags: list[str]
    crash: Crash | None = None  # sentry / pagerduty
    alert_delay_min: float = 50.0  # minutes between the last deploy and the alert
    log_lines: list[str] = field(default_factory=list)  # pagerduty: log lines before the error
    pd_title: str = ""  # pagerduty incident title override
    ci_check: str = "tests"  # ci: check run name
    feature_test: bool = False  # a full revert of the culprit must fail the judge
    judge_files: dict[str, str] = field(default_factory=dict)  # extra judge files

    def commit_time(self, index: int) -> datetime:
        t = datetime.fromisoformat(self.start)
        for c in self.commits[1 : index + 1]:
            t += timedelta(hours=c.hours)
        return t

    def deploy_time(self, index: int) -> datetime:
        return self.commit_time(index) + timedelta(minutes=35)

    @property
    def alert_time(self) -> datetime:
        return self.deploy_time(len(self.commits) - 1) + timedelta(minutes=self.alert_delay_min)

    def validate(self) -> None:
        if self.source not in SOURCES:
            raise ValueError(f"{self.id}: unknown source {self.source}")
        if not 3 <= len(self.commits) <= 8:
            raise ValueError(f"{self.id}: needs 3-8 commits")
        if self.commits[-1].deploy != "production":
            raise ValueError(f"{self.id}: head must be deployed to production")
        if self.source != "ci" and self.crash is None:
            raise ValueError(f"{self.id}: {self.source} case needs a crash")
        if self.culprit is None and "predates-history" not in self.tags:
            raise ValueError(f"{self.id}: culprit-less case must be tagged predates-history")
        if self.feature_test and "feature-bundled" not in self.tags:
            raise ValueError(f"{self.id}: feature_test needs the feature-bundled tag")
        for c in self.commits:
            if c.author not in AUTHORS:
                raise ValueError(f"{self.id}: unknown author {c.author}")

    def trees(self) -> list[dict[str, str]]:
        """The full file tree after each commit."""
        out: list[dict[str, str]] = []
        cur: dict[str, str] = {}
        for c in self.commits:
            nxt = dict(cur)
            for path, body in c.files.items():
                if body is None:
                    nxt.pop(path)
                else:
                    nxt[path] = body
            nxt = apply_edits(nxt, c.edits)
            out.append(nxt)
            cur = nxt
        return out


# --------------------------------------------------------------------------- later history
#
# Real culprits are rarely the newest commit: unrelated work lands after them and ships
# with them. `pad()` appends such commits (chores and small unrelated features) to a case.


def _chore(kind: str, pkg: str, service: str) -> tuple[str, dict[str, str | None]]:
    if kind == "changelog":
        return "Changelog for the release", {
            "CHANGELOG.md": src(f"""
                # Changelog

                ## Unreleased

                - {service}: internal clean-ups, see the git log for details.
            """)
        }
    if kind == "ci":
        return "CI: run the test suite on every push", {
            ".github/workflows/tests.yml": CI_WORKFLOW
        }
    if kind == "makefile":
        return "Makefile with a test target", {
            "Makefile": ".PHONY: test\n\ntest:\n\tpython -m pytest -q\n"
        }
    if kind == "health":
        return "Health check for the load balancer", {
            f"{pkg}/health.py": src(f'''
                """Liveness answer for the load balancer."""


                def health():
                    return {{"service": "{service}", "status": "ok"}}
            '''),
            "tests/test_health.py": src(f"""
                from {pkg}.health import health


                def test_health():
                    assert health()["status"] == "ok"
            """),
        }
    if kind == "version":
        return "Expose the service version", {
            f"{pkg}/version.py": src('''
                """Version reported in logs and the /version endpoint."""

                __version__ = "1.4.0"
            ''')
        }
    if kind == "owners":
        return "CODEOWNERS for the service", {
            ".github/CODEOWNERS": f"* @acme/{service.split('-')[0]}-team\n"
        }
    raise ValueError(kind)


def pad(case: Case, *kinds: str, same_push: bool = False) -> Case:
    """Append unrelated commits after the current head; the last one is deployed.

    With `same_push`, the old head's deploy moves to the new head (the commits were pushed,
    tested and deployed together), as for a CI run, which only tests the pushed head."""
    pkg = case.files[0].split("/")[0]
    order = sorted(AUTHORS)
    if same_push:
        case.commits[-1].deploy = None
    for i, kind in enumerate(kinds):
        message, files = _chore(kind, pkg, case.service)
        author = order[(len(case.id) + 3 * i + len(kind)) % len(order)]
        last = i == len(kinds) - 1
        case.commits.append(
            Commit(
                message,
                author,
                files=files,
                deploy="production" if last else None,
                hours=0.4 if same_push else 5.0 + 7 * i,
            )
        )
    return case
