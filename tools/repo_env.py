"""One environment per repository: its interpreter, its dependencies, its pytest; cached.

An environment is a venv under ``root/<key>``. The key hashes the files that decide the
dependencies (lock files, requirements, pyproject, setup.cfg/setup.py, tox.ini), the
configured setup command and the interpreter, so the next incident in the same repository
(at any commit with the same dependency files), in this process or another, reuses it. A
per-key lock file makes concurrent builders wait for the first one; ``prune`` removes
environments unused for a while, and the least recently used beyond a size budget.

What gets installed, in this order (the first lock file wins; without one, the rest add up):

1. ``uv.lock`` (``uv export``, with the test extras and dependency groups),
2. ``poetry.lock`` (every non-optional package at its locked version),
3. ``requirements*.txt`` and ``requirements/*.txt`` (dev and test files included),
4. PEP 621 ``[project]`` dependencies, test extras and PEP 735 dependency groups,
5. ``setup.cfg`` ``install_requires`` and test extras, or the project itself when only a
   ``setup.py`` says what it needs,
6. ``tox.ini`` ``[testenv] deps``.

A ``setup`` command from the repository's configuration replaces that plan: it runs in the
activated environment (``pip`` and ``uv`` on the PATH) in a copy of the repository.

Installing is done by ``uv`` (alertfix depends on it), falling back to ``pip``; both run in
the sandbox with the network allowed, because that is the one time an index is needed. The
tests never get the network. pytest is added when the repository does not bring its own:
copied from alertfix's own installation when the interpreter is the same version (no
network), else installed from the index.

The service's own code is not what the environment provides: each run imports it from the
worktree under test (``{workdir}`` in ``pythonpath``), ``src/`` layouts included.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import time
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from tools.ports import TestRun
from tools.repo_deps import IGNORED_DIRS, InstallPlan, dependency_files, install_plan
from tools.sandbox import SandboxLimits, SubprocessSandbox

# Host variables that say where the package index is; the build sees these and nothing else.
INDEX_VARIABLES = (
    "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS", "PIP_TRUSTED_HOST", "PIP_CERT",
    "PIP_CONSTRAINT", "UV_INDEX_URL", "UV_EXTRA_INDEX_URL", "UV_DEFAULT_INDEX", "UV_INDEX",
    "UV_FIND_LINKS", "UV_NATIVE_TLS", "SSL_CERT_FILE", "SSL_CERT_DIR",
)  # fmt: skip
_FORMAT = "alertfix-env-2"  # bump when the layout or the install plan changes
_READY = ".alertfix-ready"
_SRC = ".alertfix-src"
_PLAN = "alertfix-requirements.txt"
DEFAULT_MAX_AGE_S = 30 * 24 * 3600.0
DEFAULT_MAX_BYTES = 10 * 1024**3
_OUTPUT_CHARS = 4000  # of an installer's error, kept for the ticket


class EnvBuildError(RuntimeError):
    """The environment could not be built; ``output`` is the installer's own words."""

    def __init__(self, message: str, output: str = "", run: TestRun | None = None) -> None:
        super().__init__(message)
        self.output = output[-_OUTPUT_CHARS:]
        self.run = run


@dataclass(frozen=True)
class EnvSpec:
    """What the repository's configuration (or the operator's) says about its environment."""

    python: str | None = None  # a version ("3.11", ">=3.10") or an interpreter path
    setup: str | None = None  # a shell command run in the activated environment
    service: str = ""  # the subdirectory holding the service; "" is the repository root


@dataclass(frozen=True)
class RepoEnv:
    key: str
    path: Path
    python: str  # the environment's interpreter: every test run uses it
    python_version: str
    reused: bool  # True when an earlier build was found
    sources: tuple[str, ...] = ()  # what the dependencies came from, for the PR
    notes: tuple[str, ...] = ()  # e.g. the requested interpreter was not available
    build_seconds: float = 0.0  # 0 when reused
    service: str = ""

    def pythonpath(self, service: str | None = None) -> list[str]:
        """sys.path entries for the worktree's code, ``{workdir}`` standing for the worktree."""
        service = self.service if service is None else service
        base = "{workdir}" + (f"/{service}" if service else "")
        entries = [f"{base}/src", base]
        return [*entries, "{workdir}"] if service else entries

    def run_env(self, service: str | None = None) -> dict[str, str]:
        return {"PYTHONPATH": ":".join(self.pythonpath(service))}

    def sandbox(self, limits: SandboxLimits | None = None) -> SubprocessSandbox:
        return SubprocessSandbox(limits, python=self.python, env=self.run_env())


@dataclass
class Interpreter:
    path: str
    version: str  # "3.11.7"
    note: str = ""


# ---------------------------------------------------------------- the interpreter


def requested_python(repo: Path, spec: EnvSpec) -> tuple[str | None, str]:
    """The version the repository asks for, and where it says so."""
    if spec.python:
        return spec.python, "the repository's configuration"
    version_file = repo / ".python-version"
    if version_file.is_file():
        for line in version_file.read_text().splitlines():
            if line.strip() and not line.startswith("#"):
                return line.strip(), ".python-version"
    if (repo / "pyproject.toml").is_file():
        with contextlib.suppress(tomllib.TOMLDecodeError):
            data = tomllib.loads((repo / "pyproject.toml").read_text())
            wanted = data.get("project", {}).get("requires-python")
            if isinstance(wanted, str) and wanted.strip():
                return wanted.strip(), "requires-python"
    return None, ""


def _as_specifier(request: str) -> str:
    """"3.11" and "3.11.4" as specifiers; ">=3.10" stays."""
    if re.fullmatch(r"\d+(\.\d+){0,2}", request):
        return f"=={request}.*" if request.count(".") < 2 else f"=={request}"
    return request


def _satisfies(version: str, request: str) -> bool:
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    try:
        return SpecifierSet(_as_specifier(request)).contains(version, prereleases=True)
    except InvalidSpecifier:
        return False


def _version_of(python: str) -> str | None:
    try:
        out = subprocess.run([python, "-c", "import platform; print(platform.python_version())"],
                             capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def uv_binary() -> str | None:
    """The uv that came with alertfix (the ``uv`` package), else one on the PATH."""
    try:
        from uv import find_uv_bin

        return str(find_uv_bin())
    except (ImportError, FileNotFoundError):
        return shutil.which("uv")


def own_python() -> Interpreter:
    """The interpreter alertfix runs on, outside any venv (the base a venv is made from)."""
    base = getattr(sys, "_base_executable", None) or sys.executable
    return Interpreter(base, ".".join(map(str, sys.version_info[:3])))


def find_python(repo: Path, spec: EnvSpec) -> Interpreter:
    """The interpreter to build on: the one asked for when it is here, else alertfix's own.

    Interpreters are never downloaded: ``uv python find`` looks among those installed."""
    own = own_python()
    request, origin = requested_python(repo, spec)
    if request is None:
        return own
    if "/" in request:
        version = _version_of(request)
        if version is not None:
            return Interpreter(request, version)
        own.note = (f"python {request} (from {origin}) cannot be run here; "
                    f"using python {own.version}")
        return own
    if _satisfies(own.version, request):
        return own
    uv = uv_binary()
    if uv is not None:
        env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never"}
        with contextlib.suppress(OSError, subprocess.TimeoutExpired):
            found = subprocess.run([uv, "python", "find", "--system", "--no-project",
                                    _as_specifier(request)], capture_output=True, text=True,
                                   timeout=60, env=env, check=False)
            path = found.stdout.strip().splitlines()[-1] if found.stdout.strip() else ""
            version = _version_of(path) if found.returncode == 0 and path else None
            if version is not None and _satisfies(version, request):
                return Interpreter(path, version)
    own.note = (f"python {request} (from {origin}) is not installed here, and alertfix does "
                f"not download interpreters; the tests run on python {own.version}")
    return own


# ---------------------------------------------------------------- pytest for the environment


def _closure(name: str) -> list[importlib.metadata.Distribution]:
    """``name``'s installed distribution and those it needs here, recursively."""
    from packaging.requirements import Requirement

    seen: dict[str, importlib.metadata.Distribution] = {}
    todo = [name]
    while todo:
        current = todo.pop()
        key = current.lower().replace("_", "-")
        if key in seen:
            continue
        try:
            dist = importlib.metadata.distribution(current)
        except importlib.metadata.PackageNotFoundError:
            continue
        seen[key] = dist
        for text in dist.requires or []:
            req = Requirement(text)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(req.name)
    return list(seen.values())


def copy_own_pytest(site_packages: Path) -> list[str]:
    """Copy alertfix's pytest (and what it needs) into ``site_packages``; their names."""
    copied = []
    for dist in _closure("pytest"):
        target_names = {f.name for f in site_packages.glob("*.dist-info")}
        if any(n.lower().startswith(dist.metadata["Name"].lower().replace("-", "_") + "-")
               for n in target_names):
            continue  # the repository brings its own
        for file in dist.files or []:
            if file.parts and file.parts[0] == "..":
                continue  # console scripts: `python -m pytest` is what alertfix runs
            source = Path(str(dist.locate_file(file)))
            if not source.is_file():
                continue
            target = site_packages / file
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
        copied.append(dist.metadata["Name"])
    return copied


# ---------------------------------------------------------------- the cache


def _dir_bytes(path: Path) -> int:
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(root, name)).st_size
    return total


def default_root() -> Path:
    """Shared by every alertfix process of this user: ``$XDG_CACHE_HOME/alertfix/envs``."""
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "alertfix" / "envs"


class RepoEnvCache:
    """Builds or finds the environment for a repository; safe across processes (flock)."""

    def __init__(
        self,
        root: Path | None = None,
        *,
        limits: SandboxLimits | None = None,
        timeout_s: float = 1800.0,
        index_env: Mapping[str, str] | None = None,
        max_age_s: float = DEFAULT_MAX_AGE_S,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        self.root = (Path(root) if root is not None else default_root()).absolute()
        self.timeout_s = timeout_s
        self.limits = limits or SandboxLimits(
            cpu_seconds=int(timeout_s), max_processes=512, file_size_bytes=2 * 1024**3,
            memory_bytes=8 * 1024**3)
        # The build sees no host credentials or home; where the index is comes in here.
        self.index_env = dict(index_env) if index_env is not None else {
            k: os.environ[k] for k in INDEX_VARIABLES if k in os.environ}
        for pip, uv in (("PIP_INDEX_URL", "UV_INDEX_URL"), ("PIP_FIND_LINKS", "UV_FIND_LINKS"),
                        ("PIP_EXTRA_INDEX_URL", "UV_EXTRA_INDEX_URL")):
            if pip in self.index_env and uv not in self.index_env:  # uv reads no pip config
                self.index_env[uv] = self.index_env[pip]
        self.max_age_s, self.max_bytes = max_age_s, max_bytes
        self._interpreters: dict[tuple[str, EnvSpec], Interpreter] = {}

    # -- public

    def key(self, repo: Path, spec: EnvSpec = EnvSpec()) -> str:
        repo = Path(repo) / spec.service if spec.service else Path(repo)
        python = self._interpreter(repo, spec)
        digest = hashlib.sha256()
        for part in (_FORMAT, python.path, python.version, spec.setup or "", spec.python or ""):
            digest.update(part.encode() + b"\0")
        for name in dependency_files(repo):
            digest.update(name.encode() + b"\0" + (repo / name).read_bytes() + b"\0")
        return digest.hexdigest()[:20]

    def lookup(self, repo: Path, spec: EnvSpec = EnvSpec()) -> RepoEnv | None:
        """The ready environment for ``repo``'s dependencies, without building."""
        key = self.key(repo, spec)
        path = self.root / key
        return self._env(key, path, spec, reused=True) if (path / _READY).exists() else None

    def ensure(self, repo: Path, spec: EnvSpec = EnvSpec()) -> RepoEnv:
        """The environment for ``repo`` (a checkout), built once per key.

        Raises EnvBuildError, with the installer's output, when it cannot be built."""
        repo = Path(repo)
        key = self.key(repo, spec)
        path = self.root / key
        with self._lock(key):  # one builder per key; the others wait and then reuse
            if (path / _READY).exists():
                os.utime(path / _READY)  # last used: what pruning goes by
                return self._env(key, path, spec, reused=True)
            shutil.rmtree(path, ignore_errors=True)  # a build that crashed half way
            started = time.monotonic()
            try:
                sources, notes = self._build(repo, spec, path)
            except BaseException:
                shutil.rmtree(path, ignore_errors=True)
                raise
            python = self._interpreter(repo / spec.service if spec.service else repo, spec)
            record = {"key": key, "sources": sources, "notes": [python.note, *notes],
                      "python_version": python.version,
                      "build_seconds": round(time.monotonic() - started, 3)}
            (path / _READY).write_text(json.dumps(record))
        with contextlib.suppress(OSError):
            self.prune(keep=key)
        return self._env(key, path, spec, reused=False)

    def prune(self, keep: str | None = None, now: float | None = None) -> list[str]:
        """Remove environments unused for ``max_age_s``, then the least recently used until
        the rest fit in ``max_bytes``; one being built or ``keep`` stays. The keys removed."""
        if not self.root.is_dir():
            return []
        now = time.time() if now is None else now
        envs = []
        for ready in self.root.glob(f"*/{_READY}"):
            with contextlib.suppress(OSError):
                envs.append((ready.stat().st_mtime, ready.parent.name, ready.parent))
        envs.sort(reverse=True)  # most recently used first
        removed, total = [], 0
        for used, key, path in envs:
            size = _dir_bytes(path)
            too_old = now - used > self.max_age_s
            too_big = total + size > self.max_bytes
            if key != keep and (too_old or too_big) and self._remove(key, path):
                removed.append(key)
            else:
                total += size
        return removed

    # -- internals

    def _remove(self, key: str, path: Path) -> bool:
        lock = self.root / f"{key}.lock"
        with open(lock, "w") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False  # being built or checked right now
            try:
                (path / _READY).unlink(missing_ok=True)
                shutil.rmtree(path, ignore_errors=True)
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
        lock.unlink(missing_ok=True)
        return True

    def _interpreter(self, repo: Path, spec: EnvSpec) -> Interpreter:
        request, _ = requested_python(repo, spec)
        cache_key = (request or "", spec)
        if cache_key not in self._interpreters:
            self._interpreters[cache_key] = find_python(repo, spec)
        return self._interpreters[cache_key]

    def _env(self, key: str, path: Path, spec: EnvSpec, reused: bool) -> RepoEnv:
        record = {}
        with contextlib.suppress(OSError, ValueError):
            record = json.loads((path / _READY).read_text())
        return RepoEnv(key=key, path=path, python=str(path / "bin" / "python"),
                       python_version=str(record.get("python_version", "")), reused=reused,
                       sources=tuple(record.get("sources", [])),
                       notes=tuple(n for n in record.get("notes", []) if n),
                       build_seconds=0.0 if reused else float(record.get("build_seconds", 0)),
                       service=spec.service)

    def _build(self, repo: Path, spec: EnvSpec, path: Path) -> tuple[list[str], list[str]]:
        service = repo / spec.service if spec.service else repo
        python = self._interpreter(service, spec)
        uv = uv_binary()
        self._make_venv(python, path, uv, with_pip=bool(spec.setup) or uv is None)
        src = path / _SRC  # a copy: a setup command or `-e .` may need the whole tree
        shutil.copytree(repo, src, symlinks=True,
                        ignore=lambda _d, names: [n for n in names if n in IGNORED_DIRS])
        service_src = src / spec.service if spec.service else src
        env_python = path / "bin" / "python"
        notes: list[str] = []
        if spec.setup:
            self._sandboxed(path, service_src, ["sh", "-c", spec.setup], uv, "the setup command")
            sources = [f"setup: {spec.setup}"]
        else:
            plan = install_plan(service_src)
            sources = plan.sources
            if not plan.empty:
                self._install(plan, path, service_src, uv)
        site = self._site_packages(env_python)
        has_pytest = any(site.glob("pytest-*.dist-info")) or (site / "pytest").is_dir()
        if not has_pytest:
            if python.version.rsplit(".", 1)[0] == own_python().version.rsplit(".", 1)[0]:
                copied = copy_own_pytest(site)
                notes.append(f"pytest {importlib.metadata.version('pytest')} added from "
                             f"alertfix's own installation ({', '.join(copied)})")
            else:
                self._sandboxed(path, service_src, self._installer(uv, path, ["pytest"]), uv,
                                "installing pytest")
                notes.append("pytest installed from the index (the repository names none)")
        return sources, notes

    def _make_venv(self, python: Interpreter, path: Path, uv: str | None, with_pip: bool) -> None:
        if uv is not None and not with_pip:
            command = [uv, "venv", "--quiet", "--python", python.path, str(path)]
            env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never"}
        else:  # pip comes from the standard library's bundled wheel: no network
            command = [python.path, "-m", "venv", str(path)]
            if not with_pip:
                command.insert(3, "--without-pip")
            env = dict(os.environ)
        env.pop("VIRTUAL_ENV", None)
        made = subprocess.run(command, capture_output=True, text=True, check=False, env=env,
                              cwd=self.root)
        if made.returncode != 0:
            raise EnvBuildError(f"creating the environment on python {python.version} failed",
                                made.stderr + made.stdout)

    @staticmethod
    def _site_packages(env_python: Path) -> Path:
        out = subprocess.run([str(env_python), "-c", "import sysconfig; "
                              "print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True)
        return Path(out.stdout.strip())

    @staticmethod
    def _installer(uv: str | None, path: Path, args: list[str]) -> list[str]:
        python = str(path / "bin" / "python")
        if uv is not None:
            return [uv, "pip", "install", "--python", python, *args]
        # No uv: alertfix's own pip installs into the environment (`pip --python`).
        return [sys.executable, "-m", "pip", "--python", python, "install", "--no-input", *args]

    def _install(self, plan: InstallPlan, path: Path, src: Path, uv: str | None) -> None:
        args: list[str] = []
        if plan.uv_export is not None:
            if uv is None:
                raise EnvBuildError("uv.lock needs uv to export it, and uv is not installed")
            export = [uv, "export", "--frozen", "--no-hashes", "--no-emit-project",
                      "--no-header", "--quiet", "--output-file", str(src / _PLAN),
                      *plan.uv_export]
            self._sandboxed(path, src, export, uv, "exporting uv.lock")
            args += ["-r", str(src / _PLAN)]
        if plan.requirements:
            (src / _PLAN).write_text("\n".join(plan.requirements) + "\n")
            args += ["-r", str(src / _PLAN)]
        for name in plan.files:
            args += ["-r", str(src / name)]
        if plan.editable:
            args += ["-e", str(src)]
        self._sandboxed(path, src, self._installer(uv, path, args), uv, "installing")

    def _sandboxed(self, path: Path, cwd: Path, command: list[str], uv: str | None,
                   what: str) -> TestRun:
        """Run a build step in the sandbox, with the network and the environment activated."""
        host = {Path(sys.executable).parent.parent, Path(sys.executable).resolve().parent.parent,
                Path(sysconfig.get_paths()["purelib"])}
        if uv is not None:
            host.add(Path(uv).resolve().parent.parent)
        cache = self.root / ".uv-cache"
        cache.mkdir(parents=True, exist_ok=True)
        env = {**self.index_env, "VIRTUAL_ENV": str(path), "UV_CACHE_DIR": str(cache),
               "UV_PYTHON_DOWNLOADS": "never", "UV_NO_PROGRESS": "1",
               "PIP_NO_INPUT": "1"}
        if uv is not None:  # `uv` on the PATH of a setup command, after the environment's bin
            env["PATH"] = os.pathsep.join([str(path / "bin"), str(Path(uv).parent),
                                           "/usr/local/bin", "/usr/bin", "/bin"])
        sandbox = SubprocessSandbox(self.limits, python=str(path / "bin" / "python"),
                                    network=True, readable=sorted(host), env=env,
                                    writable=[path, cache])
        run = sandbox.run(cwd, command, self.timeout_s)
        if not run.passed:
            why = "timed out" if run.timed_out else f"exited {run.exit_code}"
            raise EnvBuildError(f"{what} {why}", run.output, run)
        return run

    @contextlib.contextmanager
    def _lock(self, key: str) -> Iterator[None]:
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / f"{key}.lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
