"""Per-repository environments for a service's own dependencies, cached by their inputs.

An environment is a venv under ``root/<key>``, where the key hashes the repository's
dependency files, the setup command and the base python. The next incident in the same
repository, at any commit with the same dependency files, reuses it instead of reinstalling.

The setup command runs in the sandbox too (a dependency's setup.py is code alertfix did not
write) with the network allowed, because installing needs an index; its walls are otherwise
the same: no credentials, the file system read-only except the environment being built.
The service itself is not installed: its tests import it from the worktree (``env_for``).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from tools.ports import TestRun
from tools.sandbox import SandboxLimits, SubprocessSandbox

# What decides a repository's dependencies; any change to these means a new environment.
DEPENDENCY_GLOBS = (
    "pyproject.toml",
    "setup.py",
    "setup.cfg",
    "requirements*.txt",
    "requirements/*.txt",
    "constraints*.txt",
    "Pipfile.lock",
    "poetry.lock",
    "uv.lock",
)
# Extras and dependency groups whose packages the test suite is assumed to need.
TEST_GROUPS = ("test", "tests", "testing", "dev")
_FORMAT = "alertfix-env-1"  # bump when the layout or the default command changes
_READY = ".alertfix-ready"
_SRC = ".alertfix-src"
_GENERATED = "alertfix-requirements.txt"


class EnvBuildError(RuntimeError):
    """The setup command failed; ``run`` holds its output. Nothing is cached."""

    def __init__(self, message: str, run: TestRun | None = None) -> None:
        super().__init__(message)
        self.run = run


@dataclass(frozen=True)
class RepoEnv:
    key: str
    path: Path
    python: str
    reused: bool  # True when an earlier build was found
    build: TestRun | None = None  # the setup run, when this call built the environment

    def env_for(self, workdir: Path) -> dict[str, str]:
        """Variables that make the worktree's code importable, src layout included."""
        paths = [str(workdir / "src")] if (workdir / "src").is_dir() else []
        return {"PYTHONPATH": ":".join([*paths, str(workdir)])}

    def sandbox(self, limits: SandboxLimits | None = None) -> SubprocessSandbox:
        return SubprocessSandbox(limits, python=self.python)


def dependency_files(repo: Path) -> list[str]:
    """Repository-relative paths of the files that decide the dependencies, sorted."""
    found = {p.relative_to(repo).as_posix() for g in DEPENDENCY_GLOBS for p in repo.glob(g)}
    return sorted(f for f in found if (repo / f).is_file())


def pyproject_requirements(text: str) -> list[str]:
    """[project] dependencies plus the test-ish extras and dependency groups."""
    data = tomllib.loads(text)
    project = data.get("project", {})
    reqs = list(project.get("dependencies", []))
    extras = project.get("optional-dependencies", {})
    groups = data.get("dependency-groups", {})
    for name in TEST_GROUPS:
        reqs += extras.get(name, [])
        # PEP 735 groups may include other groups as tables; plain strings are requirements.
        reqs += [r for r in groups.get(name, []) if isinstance(r, str)]
    return list(dict.fromkeys(reqs))


def default_setup_command(src: Path, files: Sequence[str]) -> list[str] | None:
    """pip install from the requirements files, else from pyproject; None if nothing to do.

    pip is alertfix's own (``pip --python`` installs into another interpreter), so the
    environment needs no pip of its own: a bare venv is made in milliseconds, not seconds.
    For pyproject a requirements file is written into ``src`` (from hashed inputs only).
    """
    requirements = [f for f in files if f.startswith("requirements") and f.endswith(".txt")]
    if not requirements and "pyproject.toml" in files:
        reqs = pyproject_requirements((src / "pyproject.toml").read_text())
        if reqs:
            (src / _GENERATED).write_text("\n".join(reqs) + "\n")
            requirements = [_GENERATED]
    if not requirements:
        return None
    command = [sys.executable, "-m", "pip", "--python", "{python}", "install", "--no-input"]
    for name in requirements:
        command += ["-r", str(src / name)]
    return command


def _fill(part: str, values: Mapping[str, str]) -> str:
    for placeholder, value in values.items():
        part = part.replace(placeholder, value)
    return part


class RepoEnvCache:
    """Builds or finds the environment for a repository; safe across processes (flock).

    ``setup_command`` may use ``{python}``, ``{src}`` (a copy of the dependency files) and
    ``{env}`` (the environment: the setup's working, and only writable, directory);
    ``python`` at its start is the environment's python. None means
    ``default_setup_command``. ``with_pip`` seeds the venv with pip, for a command that runs
    the environment's own ``python -m pip``; by default only a custom command gets it.
    """

    def __init__(
        self,
        root: Path,
        setup_command: Sequence[str] | None = None,
        base_python: str | None = None,
        limits: SandboxLimits | None = None,
        timeout_s: float = 1800.0,
        network: bool = True,
        with_pip: bool | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.root = Path(root)
        self.setup_command = list(setup_command) if setup_command is not None else None
        self.base_python = base_python or sys.executable
        self.timeout_s = timeout_s
        self.limits = limits or SandboxLimits(
            cpu_seconds=int(timeout_s), max_processes=512, file_size_bytes=2 * 1024**3
        )
        self.network = network
        self.with_pip = with_pip if with_pip is not None else setup_command is not None
        # The setup run sees no host credentials or home (no ~/.config/pip either): a private
        # index must come in here, e.g. PIP_INDEX_URL, knowing the setup code can read it.
        self.env = dict(env or {})
        self._python_version: str | None = None

    def key(self, repo: Path) -> str:
        digest = hashlib.sha256()
        for part in (_FORMAT, self._base_version(), json.dumps(self.setup_command)):
            digest.update(part.encode() + b"\0")
        for name in dependency_files(repo):
            digest.update(name.encode() + b"\0" + (repo / name).read_bytes() + b"\0")
        return digest.hexdigest()[:20]

    def lookup(self, repo: Path) -> RepoEnv | None:
        """The ready environment for ``repo``'s dependencies, without building."""
        key = self.key(repo)
        path = self.root / key
        return self._env(key, path, reused=True) if (path / _READY).exists() else None

    def ensure(self, repo: Path) -> RepoEnv:
        """The environment for ``repo``, built once per key; raises EnvBuildError on failure."""
        repo = Path(repo)
        key = self.key(repo)
        path = self.root / key
        with self._lock(key):  # one builder per key; the others wait and then reuse
            if (path / _READY).exists():
                return self._env(key, path, reused=True)
            shutil.rmtree(path, ignore_errors=True)  # a build that crashed half way
            try:
                run = self._build(repo, path)
            except BaseException:
                shutil.rmtree(path, ignore_errors=True)
                raise
            (path / _READY).write_text(json.dumps({"key": key, "files": dependency_files(repo)}))
            return self._env(key, path, reused=False, build=run)

    # -- internals

    def _build(self, repo: Path, path: Path) -> TestRun | None:
        files = dependency_files(repo)
        src = path / _SRC
        src.mkdir(parents=True)
        for name in files:
            (src / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(repo / name, src / name)
        python = path / "bin" / "python"
        command = self.setup_command
        if command is None:
            command = default_setup_command(src, files)
        if command is not None:
            values = {"{python}": str(python), "{src}": str(src), "{env}": str(path)}
            command = [_fill(part, values) for part in command]  # not format(): braces in -c
        make_venv = [self.base_python, "-m", "venv", str(path)]
        if not self.with_pip:
            make_venv.insert(3, "--without-pip")
        made = subprocess.run(make_venv, capture_output=True, text=True, check=False)
        if made.returncode != 0:
            raise EnvBuildError(f"venv failed: {made.stderr.strip()[-2000:]}")
        if command is None:
            return None
        # alertfix's own python (the default command's pip) must stay visible in there.
        host = [Path(sys.executable).parent.parent, Path(sys.executable).resolve().parent.parent]
        sandbox = SubprocessSandbox(
            self.limits, python=str(python), network=self.network, readable=host, env=self.env
        )
        run = sandbox.run(path, command, self.timeout_s)
        if not run.passed:
            why = "timed out" if run.timed_out else f"exited {run.exit_code}"
            raise EnvBuildError(f"setup command {why}: {run.output[-2000:]}", run)
        return run

    def _env(self, key: str, path: Path, reused: bool, build: TestRun | None = None) -> RepoEnv:
        return RepoEnv(key, path, str(path / "bin" / "python"), reused, build)

    def _base_version(self) -> str:
        if self._python_version is None:
            out = subprocess.run(
                [self.base_python, "-c", "import sys; print(sys.version)"],
                capture_output=True, text=True, check=True,
            )  # fmt: skip
            self._python_version = out.stdout.strip()
        return self._python_version

    @contextlib.contextmanager
    def _lock(self, key: str) -> Iterator[None]:
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / f"{key}.lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
