"""Incident case folders (shared/INCIDENT_FORMAT.md): finding, reading and building them.

Cases may come from anyone, so reading is strict about what the format requires and
lenient about everything else (unknown keys are ignored, optional ones have defaults).
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import tomllib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import git
from pydantic import BaseModel, Field, ValidationError

BUILD_TIMEOUT_S = 300.0
DEFAULT_CASES = Path(__file__).resolve().parent / "cases"


class CaseError(ValueError):
    """A case folder that does not follow the format; the message says what is wrong."""


class RepoSpec(BaseModel):
    """`[repo]`: the same settings a repository's `.github/alertfix.yml` may give (python,
    setup, test_command), so a case runs as the product would run that repository."""

    default_branch: str = "main"
    path_prefix: str | None = None
    test_command: str | None = None
    requirements: str | None = None  # a requirements file in the repository (older cases)
    python: str | None = None  # "3.11": the interpreter the case's tests need
    setup: str | None = None  # run in the activated environment: installs project + test deps

    def test_argv(self) -> list[str] | None:
        return shlex.split(self.test_command) if self.test_command else None

    def setup_command(self) -> str | None:
        if self.setup:
            return self.setup
        return f"pip install -r {shlex.quote(self.requirements)}" if self.requirements else None


class Expected(BaseModel):
    culprit: str = ""
    files: list[str] = Field(default_factory=list)
    functions: list[str] = Field(default_factory=list)


class JudgeSpec(BaseModel):
    command: str
    timeout_s: float = 120.0

    def argv(self) -> list[str]:
        return shlex.split(self.command)


class CaseSpec(BaseModel):
    """What case.toml says, plus where the folder is."""

    id: str
    title: str = ""
    source: str
    alert: str = "alert.json"
    received_at: str | None = None
    tags: list[str] = Field(default_factory=list)
    repo: RepoSpec = Field(default_factory=RepoSpec)
    expected: Expected = Field(default_factory=Expected)
    judge: JudgeSpec
    folder: Path

    @property
    def judge_dir(self) -> Path:
        return self.folder / "judge"

    @property
    def api_dir(self) -> Path | None:
        api = self.folder / "api"
        return api if api.is_dir() else None

    def alert_payload(self) -> Any:
        path = self.folder / self.alert
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise CaseError(f"{self.alert} is missing") from None
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise CaseError(f"{self.alert} is not JSON: {exc}") from None


def load_case(folder: Path) -> CaseSpec:
    """Read `folder/case.toml`; CaseError when it is missing or does not fit the format."""
    try:
        raw = tomllib.loads((folder / "case.toml").read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CaseError(f"{folder.name}: no case.toml") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CaseError(f"{folder.name}: case.toml does not parse: {exc}") from None
    try:
        spec = CaseSpec.model_validate({**raw, "folder": folder.resolve()})
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}"
                             for e in exc.errors())
        raise CaseError(f"{folder.name}: case.toml: {problems}") from None
    if spec.id != folder.name:
        raise CaseError(f"{folder.name}: case.toml id {spec.id!r} differs from the folder name")
    if not (folder / "repo.bundle").is_file() and not (folder / "build.sh").is_file():
        raise CaseError(f"{folder.name}: neither repo.bundle nor build.sh")
    if not spec.judge_dir.is_dir():
        raise CaseError(f"{folder.name}: no judge/ folder")
    return spec


def discover(root: Path) -> list[Path]:
    """Case folders under `root` (or `root` itself when it is one case), sorted by name."""
    if (root / "case.toml").is_file():
        return [root]
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if p.is_dir() and (p / "case.toml").is_file())


def select(folders: list[Path], only: list[str]) -> list[Path]:
    """The folders named in `only` (all when empty); CaseError names the unknown ids."""
    if not only:
        return folders
    by_name = {f.name: f for f in folders}
    unknown = [case_id for case_id in only if case_id not in by_name]
    if unknown:
        raise CaseError(f"no such case: {', '.join(unknown)}")
    return [by_name[case_id] for case_id in dict.fromkeys(only)]


def _run_build_script(case: CaseSpec, dest: Path) -> None:
    script = case.folder / "build.sh"
    # Run it as its shebang says when it may be executed; a script that lost its mode bit
    # (a zip download, say) still runs under sh.
    argv = [str(script)] if os.access(script, os.X_OK) else ["sh", str(script)]
    try:
        done = subprocess.run([*argv, str(dest)], cwd=case.folder, capture_output=True,
                              text=True, timeout=BUILD_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired:
        raise CaseError(f"build.sh took longer than {BUILD_TIMEOUT_S:.0f} s") from None
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        raise CaseError(f"build.sh exited {done.returncode}: {tail[0][:200]}")


def _instant(value: str) -> datetime:
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise CaseError(f"received_at {value!r} is not an ISO 8601 time") from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def hide_later_refs(repo: git.Repo, received_at: datetime, keep: str) -> list[str]:
    """Delete the branches and tags made after the alert arrived (the format: "history after
    it is not visible"): a later deploy tag or a branch holding the eventual fix. The
    default branch is kept as it is: it is, by definition, what was running."""
    removed = []
    for tag in list(repo.tags):
        made = (tag.tag.tagged_date if tag.tag is not None
                else tag.commit.committed_date)
        if datetime.fromtimestamp(made, UTC) > received_at:
            repo.delete_tag(tag)
            removed.append(tag.path)
    for head in list(repo.heads):
        if head.name != keep and head.commit.committed_datetime > received_at:
            repo.delete_head(head, force=True)
            removed.append(head.path)
    return removed


def build_repository(case: CaseSpec, dest: Path) -> Path:
    """Create the case's repository at `dest` with its default branch checked out."""
    dest.mkdir(parents=True, exist_ok=False)
    bundle = case.folder / "repo.bundle"
    try:
        if bundle.is_file():
            git.Repo.clone_from(str(bundle), dest).close()
        else:
            _run_build_script(case, dest)
        with git.Repo(dest) as repo:
            _check_out(case, repo)
    except git.GitCommandError as exc:
        reason = (exc.stderr or str(exc)).strip().splitlines()[-1:] or ["git failed"]
        raise CaseError(f"building the repository: {reason[0][:200]}") from None
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise CaseError("build.sh did not create a git repository in $1") from None
    return dest


def _check_out(case: CaseSpec, repo: git.Repo) -> None:
    """The default branch checked out, the bundle's remote gone, later refs hidden."""
    branch = case.repo.default_branch
    if branch not in repo.heads:
        # A bundle clone has the other branches only as origin/<name>.
        remote = f"origin/{branch}"
        if remote not in [ref.name for ref in repo.refs]:
            raise CaseError(f"the repository has no branch {branch!r}")
        repo.git.checkout("-q", "-B", branch, remote)
    else:
        repo.git.checkout("-q", "--force", branch)
    if "origin" in [remote.name for remote in repo.remotes]:
        repo.delete_remote(repo.remote("origin"))  # the bundle's path; not the agent's
    if case.received_at:
        hide_later_refs(repo, _instant(case.received_at), keep=branch)
