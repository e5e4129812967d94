"""Isolated test runs: code alertfix did not write, on a machine that holds its credentials.

One run is three processes deep:

    host (this module) ─▶ unshare (new network, pid and mount namespaces)
                       ─▶ init (``_sandbox_init``, pid 1 of the namespace, trusted)
                       ─▶ the command (untrusted: the service's tests with a candidate patch)

The init raises the walls before it forks the command: every mount read-only except the
worktree and a per-run scratch directory; empty tmpfs over /tmp, /var/tmp, /dev/shm, /run and
the host user's home (where credentials live); a /dev of harmless nodes only; a pids cgroup
when one is writable (root ignores RLIMIT_NPROC); every capability dropped, no_new_privs; and
rlimits on the command. It reports what it managed on a private pipe, so ``TestRun.isolation``
records the walls actually in force, not those asked for; ``isolation_gaps`` words what was
missing for the audit trail and the PR. Where namespaces cannot be made (no unprivileged user
namespaces, no unshare) the command still runs, under rlimits only, and the result says so.
When pid 1 leaves, the kernel kills whatever the command left behind.

Known limits: run as root, the command is uid 0 without capabilities, so it can still read
root-owned files that are not hidden (/etc/shadow, say), though it cannot send them anywhere
but its output and the worktree; connect() to a Unix socket outside the hidden directories
works on a read-only mount; RLIMIT_AS is per process, so total memory is not capped.
"""

from __future__ import annotations

import contextlib
import inspect
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tools.ports import TestRun
from tools.test_results import UNITTEST_SOURCE, parse_junit, parse_unittest, unittest_spec

# Variables a test may see from the host; everything else (tokens, cloud and git credentials,
# SSH agent sockets, proxies) is dropped. Values are copied only if present.
ENV_ALLOWLIST = ("LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "LC_MESSAGES", "TZ", "TERM")

# Given a fresh tmpfs inside the sandbox; paths under them are bound back in as needed.
_TMPFS_DIRS = (Path("/tmp"), Path("/var/tmp"), Path("/dev/shm"), Path("/run"))


@dataclass(frozen=True)
class SandboxLimits:
    cpu_seconds: int = 300
    memory_bytes: int = 2 * 1024**3  # address space per process
    max_processes: int = 256  # threads count too, for the pids cgroup and RLIMIT_NPROC alike
    file_size_bytes: int = 256 * 1024**2
    output_bytes: int = 200_000
    # On the wall-clock limit the command first gets SIGINT, so pytest can write the JUnit
    # report for the tests that finished, then SIGKILL after this grace.
    interrupt_grace_s: float = 2.0


# ---------------------------------------------------------------- the init (runs in the namespace)


def _sandbox_init() -> None:
    """pid 1 of the sandbox: raise the walls, fork the command, reap, report.

    Shipped to the child as source text (``python -I -S -c``) so it needs nothing but the
    standard library and works whatever python the command uses. argv[1] is a JSON config.
    """
    import contextlib
    import ctypes
    import json
    import os
    import re
    import resource
    import signal
    import sys
    import threading

    cfg = json.loads(sys.argv[1])
    status_fd, lifeline_fd = int(cfg["status_fd"]), int(cfg["lifeline_fd"])
    os.set_inheritable(status_fd, False)  # the command must not be able to forge the report
    os.set_inheritable(lifeline_fd, False)
    status: dict[str, Any] = {"started": True, "errors": []}
    errors: list[str] = status["errors"]
    libc = ctypes.CDLL(None, use_errno=True)

    def mount(src: str | None, dst: str, fstype: str | None, flags: int, data: str | None) -> None:
        def enc(s: str | None) -> bytes | None:
            return None if s is None else s.encode()

        if libc.mount(enc(src), enc(dst), enc(fstype), ctypes.c_ulong(flags), enc(data)) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"mount {src} {dst}: {os.strerror(err)}")

    ms_rdonly, ms_nosuid, ms_nodev, ms_noexec = 1, 2, 4, 8
    ms_remount, ms_bind, ms_rec, ms_private = 32, 4096, 16384, 1 << 18
    ms_noatime, ms_nodiratime, ms_relatime = 1024, 2048, 1 << 21
    opt_flags = {
        "nosuid": ms_nosuid, "nodev": ms_nodev, "noexec": ms_noexec,
        "noatime": ms_noatime, "nodiratime": ms_nodiratime, "relatime": ms_relatime,
    }  # fmt: skip

    writable = [os.path.realpath(p) for p in cfg["writable"]]

    def under(path: str, roots: list[str]) -> bool:
        return any(path == r or path.startswith(r.rstrip("/") + "/") for r in roots)

    readable = [os.path.realpath(p) for p in cfg["readable"] if os.path.isdir(p)]
    readable = [r for r in readable if not under(r, writable)]
    # Read-only islands inside the worktree (its .git): bound over last, remounted read-only.
    protected = [p for p in cfg["protected"] if os.path.lexists(p)]

    def remount_ro(select: Any) -> list[str]:
        """Remount read-only every mount point ``select`` picks; the failures, worded."""
        failed = []
        with open("/proc/self/mountinfo") as f:
            lines = f.read().splitlines()
        for line in lines:
            fields = line.split()
            target = re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), fields[4])
            if not select(target):
                continue
            flags = ms_remount | ms_bind | ms_rdonly
            for opt in fields[5].split(","):  # locked flags must be kept or EPERM
                flags |= opt_flags.get(opt, 0)
            try:
                mount(None, target, None, flags, None)
            except OSError as exc:
                if exc.errno != 2:  # a mount point hidden under another mount
                    failed.append(f"{target}: {exc.strerror}")
        return failed

    def minimal_dev() -> None:
        """A /dev of harmless nodes: uid 0 without capabilities may still open the host's
        disks for writing (a read-only mount does not cover device nodes)."""
        nodes = [n for n in ("null", "zero", "full", "random", "urandom", "tty")
                 if os.path.exists(f"/dev/{n}")]  # fmt: skip
        fds = {n: os.open(f"/dev/{n}", os.O_PATH) for n in nodes}
        mount("tmpfs", "/dev", "tmpfs", ms_nosuid | ms_noexec, "mode=755,size=1m")
        for name, fd in fds.items():
            open(f"/dev/{name}", "w").close()
            mount(f"/proc/self/fd/{fd}", f"/dev/{name}", None, ms_bind, None)
            os.close(fd)
        for name, target in (
            ("fd", "/proc/self/fd"),
            ("stdin", "/proc/self/fd/0"),
            ("stdout", "/proc/self/fd/1"),
            ("stderr", "/proc/self/fd/2"),
        ):
            os.symlink(target, f"/dev/{name}")  # fmt: skip
        os.mkdir("/dev/shm")

    # The cgroup first: /sys is read-only a moment later, and the command must start inside it.
    if cfg.get("cgroup"):
        try:
            with open(os.path.join(cfg["cgroup"], "cgroup.procs"), "w") as f:
                f.write("0")
            status["cgroup"] = True
        except OSError as exc:
            errors.append(f"cgroup: {exc}")

    if cfg["namespaces"]:
        try:
            mount(None, "/", None, ms_rec | ms_private, None)  # nothing propagates to the host
            # Each kept path becomes a mount point of its own, reachable by fd once hidden.
            for keep in writable + readable:
                mount(keep, keep, None, ms_bind | ms_rec, None)
            keep_fds = {k: os.open(k, os.O_PATH) for k in writable + readable}
            failed = remount_ro(lambda target: not under(target, writable))
            try:
                minimal_dev()
            except OSError as exc:
                failed.append(f"/dev: {exc}")
            # Private scratch space where programs expect it; keeps beneath are bound back in.
            for tmp in cfg["tmpfs"]:
                if not os.path.isdir(tmp) or os.path.islink(tmp):
                    continue
                try:
                    mount("tmpfs", tmp, "tmpfs", ms_nosuid | ms_nodev, "mode=1777,size=512m")
                except OSError as exc:
                    failed.append(f"tmpfs {tmp}: {exc.strerror}")
                    continue
                for keep, fd in keep_fds.items():
                    if under(keep, [tmp]):
                        os.makedirs(keep, exist_ok=True)
                        mount(f"/proc/self/fd/{fd}", keep, None, ms_bind | ms_rec, None)
            for path in protected:
                mount(path, path, None, ms_bind | ms_rec, None)
            failed += remount_ro(lambda target: under(target, readable + protected))
            status["ro_fs"] = not failed
            errors.extend(failed)
        except OSError as exc:
            errors.append(f"mounts: {exc}")

    # Drop every capability for good: an empty bounding set means even uid 0 gains nothing on
    # exec, so the command cannot remount, leave the cgroup, or load a module.
    try:
        with open("/proc/sys/kernel/cap_last_cap") as f:
            last_cap = int(f.read())
        pr_capbset_drop, pr_set_no_new_privs, pr_cap_ambient = 24, 38, 47
        for cap in range(last_cap + 1):
            if libc.prctl(pr_capbset_drop, cap, 0, 0, 0) != 0 and ctypes.get_errno() != 22:
                raise OSError(ctypes.get_errno(), f"capbset drop {cap}")
        libc.prctl(pr_cap_ambient, 4, 0, 0, 0)  # PR_CAP_AMBIENT_CLEAR_ALL
        if libc.prctl(pr_set_no_new_privs, 1, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "no_new_privs")
        status["caps_dropped"] = True
    except OSError as exc:
        errors.append(f"caps: {exc}")

    os.write(status_fd, (json.dumps(status) + "\n").encode())
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the host's SIGINT is meant for the command
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    argv = cfg["argv"]
    pid = os.fork()
    if pid == 0:
        try:
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            limits = cfg["rlimits"]
            for name, value in limits.items():
                which = getattr(resource, name)
                soft = int(value)
                hard = soft + 5 if name == "RLIMIT_CPU" else soft  # SIGXCPU, then SIGKILL
                ceiling = resource.getrlimit(which)[1]  # a limit may only be lowered
                if ceiling != resource.RLIM_INFINITY:
                    soft, hard = min(soft, ceiling), min(hard, ceiling)
                resource.setrlimit(which, (soft, hard))
            os.chdir(cfg["cwd"])
            os.execvpe(argv[0], argv, cfg["env"])
        except BaseException as exc:  # report anything; never fall through to the init's code
            os.write(2, f"sandbox: cannot start {argv[0]}: {exc}\n".encode())
        os._exit(127)

    def host_gone() -> None:
        """Nobody will collect the result or enforce the deadline: end the run now."""
        with contextlib.suppress(OSError):
            while os.read(lifeline_fd, 64):
                pass
        if cfg["namespaces"]:
            os._exit(1)  # pid 1 leaving kills everything in the namespace
        os.killpg(0, signal.SIGKILL)  # the run's process group, this process included

    threading.Thread(target=host_gone, daemon=True).start()
    # Reap everything (pid 1 inherits orphans); the command's own status is the run's.
    code = 0
    while True:
        try:
            child, wstatus = os.waitpid(-1, 0)
        except ChildProcessError:
            break
        except InterruptedError:
            continue
        if child == pid:
            code = os.waitstatus_to_exitcode(wstatus)
            break  # daemons the command left die with the namespace, or with the group
    os.write(status_fd, (json.dumps({"exit_code": code}) + "\n").encode())
    # Leaving pid 1 tears the namespace down, with any daemon the tests left running.
    os._exit(0)


_INIT_SOURCE = (
    "from typing import Any\n"
    + textwrap.dedent(inspect.getsource(_sandbox_init))
    + "\n_sandbox_init()\n"
)


# ---------------------------------------------------------------- host side


def _pids_cgroup_root() -> Path | None:
    """A writable pids cgroup hierarchy (v1 or v2), or None; only root gets one here."""
    if os.geteuid() != 0:
        return None
    v1 = Path("/sys/fs/cgroup/pids")
    if (v1 / "cgroup.procs").exists() and os.access(v1, os.W_OK):
        return v1
    v2 = Path("/sys/fs/cgroup")
    with contextlib.suppress(OSError):
        if "pids" in (v2 / "cgroup.subtree_control").read_text().split() and os.access(v2, os.W_OK):
            return v2
    return None


class _OutputBuffer:
    """Keeps the first quarter and the last three quarters of a capped stream.

    pytest's summary is at the end, an import crash at the start; the middle is dropped.
    """

    def __init__(self, cap: int) -> None:
        self.head_cap = cap // 4
        self.tail_cap = cap - self.head_cap
        self.head = bytearray()
        self.tail = bytearray()
        self.dropped = 0

    def feed(self, chunk: bytes) -> None:
        room = self.head_cap - len(self.head)
        if room > 0:
            self.head += chunk[:room]
            chunk = chunk[room:]
        self.tail += chunk
        if len(self.tail) > self.tail_cap:
            extra = len(self.tail) - self.tail_cap
            del self.tail[:extra]
            self.dropped += extra

    def text(self) -> str:
        middle = f"\n[... {self.dropped} bytes of output dropped ...]\n" if self.dropped else ""
        return (bytes(self.head).decode(errors="replace") + middle
                + bytes(self.tail).decode(errors="replace"))  # fmt: skip


def _drain(stream: Any, buffer: _OutputBuffer) -> None:
    with contextlib.suppress(OSError, ValueError):
        while chunk := stream.read1(65536):
            buffer.feed(chunk)


_PYTEST_CONFIGS = (("pytest.ini", ""), (".pytest.ini", ""), ("pyproject.toml", "[tool.pytest"),
                   ("tox.ini", "[pytest]"), ("setup.cfg", "[tool:pytest]"))


def pytest_config_file(directory: Path) -> str | None:
    """The file in ``directory`` that configures pytest, in pytest's own order, or None."""
    for name, marker in _PYTEST_CONFIGS:
        path = directory / name
        with contextlib.suppress(OSError):
            if path.is_file() and (not marker or marker in path.read_text(errors="replace")):
                return name
    return None


def pytest_scope_args(workdir: Path) -> list[str]:
    """Arguments that keep pytest inside the repository: its rootdir is the worktree, and when
    the repository has no pytest configuration of its own, none is read from a directory
    above it (a service checked out inside another project would get that project's
    `testpaths`, `pythonpath` and node ids otherwise)."""
    args = ["--rootdir", str(workdir)]
    return args if pytest_config_file(workdir) else [*args, "-c", os.devnull]


def _pytest_index(command: Sequence[str]) -> int | None:
    """Index of the token after which pytest's own arguments start, or None."""
    for i, token in enumerate(command):
        if token in ("pytest", "py.test") and i > 0 and command[i - 1] == "-m":
            return i
        if i == 0 and os.path.basename(token) in ("pytest", "py.test"):
            return 0
    return None


def _without_junit_args(args: list[str]) -> list[str]:
    kept: list[str] = []
    skip_value = False
    for arg in args:
        if skip_value:
            skip_value = False
        elif arg in ("--junitxml", "--junit-xml"):
            skip_value = True
        elif not arg.startswith(("--junitxml=", "--junit-xml=")):
            kept.append(arg)
    return kept


class SubprocessSandbox:
    """Runs a command in namespaces with rlimits; implements ``tools.ports.Sandbox``."""

    def __init__(
        self,
        limits: SandboxLimits | None = None,
        python: str | None = None,
        network: bool = False,
        *,
        readable: Sequence[Path] = (),
        writable: Sequence[Path] = (),
        env: Mapping[str, str] | None = None,
    ) -> None:
        """``readable``: extra read-only trees the command needs (the sandbox python's own
        prefix is always visible); everything else outside the worktree is read-only anyway,
        except scratch dirs and the host home, which the command sees empty (``_hidden``).
        ``writable``: extra trees the command may write (an environment being built).
        ``env``: variables every run gets on top of the scrubbed environment; ``{workdir}``
        in a value stands for the run's worktree (e.g. ``PYTHONPATH={workdir}/src``)."""
        self.limits = limits or SandboxLimits()
        self.env = dict(env or {})
        self.readable = [Path(p) for p in readable]
        self.writable = [Path(p) for p in writable]
        self.python = python or sys.executable
        self.network = network
        self._unshare = shutil.which("unshare")

    # -- public

    def run(
        self,
        workdir: Path,
        command: list[str],
        timeout_s: float,
        env: Mapping[str, str] | None = None,
    ) -> TestRun:
        """Run ``command`` in ``workdir``; never raises for what the command does."""
        workdir = Path(workdir).resolve()
        argv = list(command)
        if argv and argv[0] in ("python", "python3"):
            argv[0] = self.python
        with tempfile.TemporaryDirectory(prefix="alertfix-sandbox-") as scratch_dir:
            scratch = Path(scratch_dir)
            for sub in ("home", "tmp"):
                (scratch / sub).mkdir()
            junit = scratch / "junit.xml"
            at = _pytest_index(argv)
            unit = unittest_spec(argv) if at is None else None
            if unit is not None:
                argv = [*argv[: unit[0] - 1], "-c", UNITTEST_SOURCE, json.dumps(unit[1])]
            if at is not None:
                # Ours is the only report (a later --junitxml would win); xunit1 keeps the file
                # attribute, which makes node ids exact.
                argv = argv[: at + 1] + _without_junit_args(argv[at + 1 :])
                argv[at + 1 : at + 1] = [f"--junitxml={junit}", "-o", "junit_family=xunit1",
                                         *pytest_scope_args(workdir)]
            run_env = self._environment(scratch, env, workdir)
            use_ns = self._unshare is not None
            result, started = self._run_once(workdir, argv, timeout_s, run_env, scratch, use_ns)
            if use_ns and not started and not result.timed_out:
                # unshare itself failed (no user namespaces here, say): run with what is left.
                # Not remembered: a transient failure must not weaken every later run.
                said = [
                    x for x in result.output.splitlines() if x and not x.startswith("[sandbox]")
                ]
                why = said[-1] if said else "no reason given"
                result, _ = self._run_once(workdir, argv, timeout_s, run_env, scratch, False)
                result.output += f"\n[sandbox] namespaces unavailable: {why}"
            if at is not None and junit.exists():
                result.tests = parse_junit(junit.read_bytes(), workdir)
            elif unit is not None:
                result.tests = parse_unittest(result.output, workdir, unit[1]["top"])
            result.command = list(command)
            return result

    # -- internals

    def _environment(self, scratch: Path, extra: Mapping[str, str] | None,
                     workdir: Path) -> dict[str, str]:
        env = {k: os.environ[k] for k in ENV_ALLOWLIST if k in os.environ}
        python_bin = os.path.dirname(self.python)
        env.update(
            PATH=os.pathsep.join([python_bin, "/usr/local/bin", "/usr/bin", "/bin"]),
            HOME=str(scratch / "home"),
            TMPDIR=str(scratch / "tmp"),
            USER="sandbox",
            LOGNAME="sandbox",
            PYTHONNOUSERSITE="1",
            PIP_DISABLE_PIP_VERSION_CHECK="1",
            GIT_CONFIG_NOSYSTEM="1",
            GIT_TERMINAL_PROMPT="0",
        )
        env.update({k: v.replace("{workdir}", str(workdir)) for k, v in self.env.items()})
        env.update(extra or {})
        return env

    def _make_cgroup(self) -> Path | None:
        root = _pids_cgroup_root()
        if root is None:
            return None
        _sweep_stale_cgroups(root)
        path = root / f"alertfix-sandbox-{uuid.uuid4().hex[:12]}"
        try:
            path.mkdir()
            (path / "pids.max").write_text(str(self.limits.max_processes))
        except OSError:
            with contextlib.suppress(OSError):
                path.rmdir()
            return None
        return path

    @staticmethod
    def _hidden() -> list[Path]:
        """Directories the command sees as empty tmpfs: scratch space, and the host user's
        home, where credentials live (~/.git-credentials, ~/.config/gh, ~/.aws, ~/.ssh)."""
        home = Path(os.path.expanduser("~"))
        extra = [home] if home.is_dir() and home != Path("/") else []
        return [*_TMPFS_DIRS, *extra]

    def _readable(self, workdir: Path) -> list[str]:
        """Trees the command reads that the private tmpfs mounts would hide."""
        candidates = [hop.parent.parent for hop in _symlink_chain(Path(self.python))]
        candidates += [*self.readable, *_git_common_dir(workdir)]
        hidden = self._hidden()
        return [str(p) for p in candidates if any(p.is_relative_to(t) for t in hidden)]

    def _rlimits(self, in_userns: bool) -> dict[str, int]:
        lim = self.limits
        nproc = lim.max_processes
        if not in_userns and os.geteuid() != 0:
            # RLIMIT_NPROC counts every process of the uid: leave room for those already running.
            nproc += _count_processes_of(os.getuid())
        return {
            "RLIMIT_CPU": lim.cpu_seconds,
            "RLIMIT_AS": lim.memory_bytes,
            "RLIMIT_NPROC": nproc,
            "RLIMIT_FSIZE": lim.file_size_bytes,
            "RLIMIT_CORE": 0,
        }

    def _run_once(
        self,
        workdir: Path,
        argv: list[str],
        timeout_s: float,
        env: dict[str, str],
        scratch: Path,
        use_ns: bool,
    ) -> tuple[TestRun, bool]:
        root = os.geteuid() == 0
        prefix: list[str] = []
        if use_ns:
            assert self._unshare is not None
            prefix = [self._unshare]
            if not root:
                prefix += ["--user", "--map-root-user"]
            if not self.network:
                prefix.append("--net")
            prefix += ["--pid", "--fork", "--kill-child", "--mount-proc"]
        cgroup = self._make_cgroup()
        status_r, status_w = os.pipe()  # the init's report; the command cannot write to it
        lifeline_r, lifeline_w = os.pipe()  # EOF in the init when this process dies
        cfg = {
            "argv": argv,
            "cwd": str(workdir),
            "env": env,
            "writable": [str(workdir), str(scratch), *map(str, self.writable)],
            "readable": self._readable(workdir),
            # A test must not leave a hook or a redirected gitdir for the host's next git command.
            "protected": [str(workdir / ".git")],
            "tmpfs": [str(t) for t in self._hidden()],
            "namespaces": use_ns,
            "cgroup": str(cgroup) if cgroup else None,
            "rlimits": self._rlimits(use_ns and not root),
            "status_fd": status_w,
            "lifeline_fd": lifeline_r,
        }
        init = [sys.executable, "-I", "-S", "-c", _INIT_SOURCE, json.dumps(cfg)]
        started_at = time.monotonic()
        buffer = _OutputBuffer(self.limits.output_bytes)
        proc: subprocess.Popen[bytes] | None = None
        try:
            try:
                proc = subprocess.Popen(
                    prefix + init,
                    cwd=workdir,
                    env=env,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,  # one process group to kill
                    pass_fds=(status_w, lifeline_r),
                )
            except OSError as exc:
                output = f"[sandbox] cannot start: {exc}"
                return TestRun(command=argv, exit_code=None, output=output), True
            finally:
                os.close(status_w)
                os.close(lifeline_r)
            timed_out = self._wait(proc, timeout_s, buffer)
            refused_forks = _pids_refused(cgroup)
            reports = _read_status(status_r)
        finally:
            if proc is not None and proc.returncode is None:  # the host was interrupted
                self._signal_group(proc.pid, signal.SIGKILL)
                proc.wait()
            os.close(status_r)
            os.close(lifeline_w)
            self._remove_cgroup(cgroup)
        seconds = time.monotonic() - started_at
        started = bool(reports) and reports[0].get("started", False)
        setup = reports[0] if reports else {}
        exit_code: int | None = next(
            (int(r["exit_code"]) for r in reports if "exit_code" in r), None
        )
        if exit_code is None and not timed_out and not use_ns:
            exit_code = proc.returncode
        notes = []
        if timed_out:
            notes.append(f"[sandbox] wall-clock limit of {timeout_s:g}s reached: killed")
            exit_code = None
        elif exit_code is not None and exit_code < 0:
            notes.append(f"[sandbox] killed by {_signal_reason(-exit_code)}")
        elif exit_code is None:
            notes.append(f"[sandbox] no exit status reported (runner exited {proc.returncode})")
        if refused_forks:
            notes.append(
                f"[sandbox] process limit of {self.limits.max_processes} reached: "
                f"{refused_forks} forks refused"
            )
        for err in setup.get("errors", []):
            notes.append(f"[sandbox] isolation: {err}")
        output = buffer.text() + ("\n" + "\n".join(notes) if notes else "")
        run = TestRun(
            command=argv,
            exit_code=exit_code,
            timed_out=timed_out,
            seconds=round(seconds, 3),
            output=output,
            isolation=self._describe(use_ns and started, setup, root),
        )
        return run, started

    def _wait(self, proc: subprocess.Popen[bytes], timeout_s: float, buffer: _OutputBuffer) -> bool:
        """Wait for the run, collecting output; True when the wall-clock limit ended it."""
        reader = threading.Thread(target=_drain, args=(proc.stdout, buffer), daemon=True)
        reader.start()
        timed_out = not _wait_exit(proc.pid, timeout_s)
        if timed_out:
            self._signal_group(proc.pid, signal.SIGINT)
            _wait_exit(proc.pid, self.limits.interrupt_grace_s)
        # Whatever is left in the group (everything, without a pid namespace) goes now, while
        # the unreaped leader still holds the group id, so it cannot name someone else's group.
        self._signal_group(proc.pid, signal.SIGKILL)
        proc.wait()
        reader.join(timeout=2.0)
        if proc.stdout:
            proc.stdout.close()
        return timed_out

    def _describe(self, namespaces: bool, setup: Mapping[str, Any], root: bool) -> str:
        walls = []
        if self.network:
            walls.append("network-allowed")
        else:
            walls.append("netns" if namespaces else "no-netns")
        walls.append("pidns" if namespaces else "no-pidns")
        walls.append("ro-fs" if setup.get("ro_fs") else "rw-fs")
        walls.append("nocaps" if setup.get("caps_dropped") else "caps")
        if setup.get("cgroup"):
            walls.append("pids-cgroup")
        elif not root:
            walls.append("nproc-rlimit")
        else:
            walls.append("nproc-unenforced")  # root is exempt from RLIMIT_NPROC
        walls.append("rlimits")
        return "+".join(walls)

    @staticmethod
    def _signal_group(pgid: int, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, sig)

    @staticmethod
    def _remove_cgroup(cgroup: Path | None) -> None:
        if cgroup is None:
            return
        for _ in range(100):  # the kernel frees the cgroup once the last zombie is reaped
            with contextlib.suppress(OSError):
                for pid in (cgroup / "cgroup.procs").read_text().split():
                    with contextlib.suppress(OSError):
                        os.kill(int(pid), signal.SIGKILL)
            try:
                cgroup.rmdir()
                return
            except FileNotFoundError:
                return
            except OSError:
                time.sleep(0.02)


def _sweep_stale_cgroups(root: Path) -> None:
    """Remove empty run cgroups that a host which died left behind.

    A run's init joins its cgroup milliseconds after the cgroup is made, so one that is empty
    and a minute old has no run left in it.
    """
    now = time.time()
    for path in root.glob("alertfix-sandbox-*"):
        with contextlib.suppress(OSError):
            if now - path.stat().st_mtime > 60 and not (path / "cgroup.procs").read_text().strip():
                path.rmdir()


def _wait_exit(pid: int, timeout_s: float) -> bool:
    """Wait until ``pid`` exits, without reaping it; False on timeout."""
    try:
        fd = os.pidfd_open(pid)
    except OSError:  # before Linux 5.3: poll
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None:
                return True
            time.sleep(0.01)
        return False
    try:
        return bool(select.select([fd], [], [], timeout_s)[0])
    finally:
        os.close(fd)


def _pids_refused(cgroup: Path | None) -> int:
    """How many forks the pids cgroup refused (its "max" event count)."""
    with contextlib.suppress(OSError, ValueError, IndexError):
        if cgroup is not None:
            for line in (cgroup / "pids.events").read_text().splitlines():
                if line.startswith("max "):
                    return int(line.split()[1])
    return 0


def _git_common_dir(workdir: Path) -> list[Path]:
    """The main repository's .git when ``workdir`` is a git worktree, so tests can read git."""
    dotgit = workdir / ".git"
    with contextlib.suppress(OSError, ValueError):
        if dotgit.is_file() and (text := dotgit.read_text().strip()).startswith("gitdir:"):
            gitdir = (workdir / text.removeprefix("gitdir:").strip()).resolve()
            commondir = gitdir / "commondir"
            if commondir.is_file():
                return [(gitdir / commondir.read_text().strip()).resolve()]
            return [gitdir]
    return []


def _read_status(fd: int) -> list[dict[str, Any]]:
    os.set_blocking(fd, False)
    data = b""
    with contextlib.suppress(BlockingIOError, OSError):
        while chunk := os.read(fd, 65536):
            data += chunk
    reports = []
    for line in data.decode(errors="replace").splitlines():
        with contextlib.suppress(ValueError):
            reports.append(json.loads(line))
    return reports


def _count_processes_of(uid: int) -> int:
    count = 0
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                count += entry.stat().st_uid == uid
    return count


_SIGNAL_REASONS = {
    signal.SIGXCPU: "the CPU-time limit",
    signal.SIGXFSZ: "the file-size limit",
    signal.SIGKILL: "the CPU-time hard limit, the out-of-memory killer, or a test",
}


def _signal_reason(signum: int) -> str:
    try:
        sig = signal.Signals(signum)
    except ValueError:
        return f"signal {signum}"
    reason = _SIGNAL_REASONS.get(sig)
    return f"{sig.name} ({reason})" if reason else sig.name


def _symlink_chain(path: Path, limit: int = 40) -> list[Path]:
    """`path` and every link it goes through: a venv's python under a hidden /tmp must have
    each hop's tree bound back in, not only the first and the last."""
    chain = [path]
    while chain[-1].is_symlink() and len(chain) < limit:
        target = Path(os.readlink(chain[-1]))
        chain.append(target if target.is_absolute() else chain[-1].parent / target)
    return [*chain, Path(os.path.realpath(path))]


def isolation_gaps(isolation: str) -> list[str]:
    """The walls a run lacked, worded for the audit trail and the PR body."""
    parts = set(isolation.split("+")) if isolation else set()
    gaps = {
        "no-netns": "network was reachable (no network namespace)",
        "network-allowed": "network was allowed on purpose",
        "no-pidns": "processes were not in their own pid namespace",
        "rw-fs": "files outside the worktree were writable, and the host home readable",
        "caps": "capabilities were not dropped",
        "nproc-unenforced": "the number of processes was not limited",
    }
    return [text for key, text in gaps.items() if key in parts] or (
        [] if parts else ["no isolation recorded"]
    )
