"""The sandbox's walls, proved by running hostile code in it.

Each wall test first states which isolation it needs; where this machine cannot give it (no
namespaces for an unprivileged CI user, say) the test is skipped with the reason. That a run
without the walls admits it in ``TestRun.isolation`` is tested on every machine (the runs
without unshare, below).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tools.ports import TestRun
from tools.sandbox import SandboxLimits, SubprocessSandbox, isolation_gaps
from tools.test_results import MESSAGE_CHARS, parse_junit

PY = ["python", "-c"]
# This venv's pytest plugins (langsmith, anyio, hypothesis...) cost about a second per run;
# the suites run here need none of them.
FAST = {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}


def _outcome(run: TestRun, nodeid_suffix: str) -> str | None:
    return next((t.outcome for t in run.tests if t.nodeid.endswith(nodeid_suffix)), None)


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


@pytest.fixture(scope="module")
def isolation() -> str:
    """What this machine gives a default sandbox."""
    with tempfile.TemporaryDirectory() as tmp:
        return SubprocessSandbox().run(Path(tmp), [*PY, "pass"], 30).isolation


def need(isolation: str, wall: str) -> None:
    if wall not in isolation.split("+"):
        pytest.skip(f"this machine's sandbox lacks {wall!r} (got {isolation!r})")


def processes_with(marker: str) -> list[int]:
    """Processes with ``marker`` as one of their arguments (not merely inside one)."""
    found = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                cmdline = Path(entry.path, "cmdline").read_bytes()
            except OSError:
                continue
            if marker.encode() in cmdline.split(b"\0"):
                found.append(int(entry.name))
    return found


# ---------------------------------------------------------------- walls


@pytest.fixture
def listener() -> Iterator[int]:
    """A TCP server on the host's 127.0.0.1 that the sandbox must not reach."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            conn.sendall(b"hello")
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    server.close()


def test_socket_inside_the_sandbox_fails(tmp_path: Path, listener: int, isolation: str) -> None:
    need(isolation, "netns")
    write(
        tmp_path,
        {
            "test_net.py": f"""
        import socket
        def test_reach_host():
            with socket.create_connection(("127.0.0.1", {listener}), timeout=2) as s:
                assert s.recv(5) == b"hello"
        def test_reach_internet():
            socket.create_connection(("1.1.1.1", 53), timeout=2).close()
    """
        },
    )
    command = ["python", "-m", "pytest", "-q", "test_net.py"]
    walled = SubprocessSandbox(env=FAST).run(tmp_path, command, 60)
    assert _outcome(walled, "test_reach_host") == "failed"
    assert _outcome(walled, "test_reach_internet") == "failed"
    assert "netns" in walled.isolation
    # The control: the same test passes when the network is allowed, so it can fail above.
    control = ["python", "-m", "pytest", "-q", "test_net.py::test_reach_host"]
    opened = SubprocessSandbox(network=True, env=FAST).run(tmp_path, control, 60)
    assert _outcome(opened, "test_reach_host") == "passed"
    assert "network-allowed" in opened.isolation


def test_host_secrets_are_not_visible(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "ghs_host_secret")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "host-aws-secret")
    script = """
        import json, os
        print(json.dumps({"env": dict(os.environ), "home": os.path.expanduser("~")}))
    """
    run = SubprocessSandbox().run(
        tmp_path, [*PY, textwrap.dedent(script)], 30, env={"SERVICE_MODE": "test"}
    )
    assert run.exit_code == 0, run.output
    seen = __import__("json").loads(run.output.splitlines()[0])
    assert "GITHUB_TOKEN" not in seen["env"] and "AWS_SECRET_ACCESS_KEY" not in seen["env"]
    assert "ghs_host_secret" not in run.output and "host-aws-secret" not in run.output
    assert seen["env"]["SERVICE_MODE"] == "test"  # what the caller passes on purpose arrives
    assert seen["home"] != os.path.expanduser("~")
    assert not os.path.exists(seen["home"])  # a fresh directory, gone after the run


def test_fork_bomb_is_stopped(tmp_path: Path, isolation: str) -> None:
    if "pids-cgroup" not in isolation and "nproc-rlimit" not in isolation:
        pytest.skip(f"no process limit on this machine ({isolation}); not running a fork bomb")
    marker = f"forkbomb-{uuid.uuid4().hex}"
    bomb = """
        import os, time
        print(open("/proc/self/cgroup").read(), flush=True)
        while True:  # every process forks forever: exponential without a limit
            try:
                if os.fork() == 0:
                    with open("forks", "ab") as f:
                        f.write(b".")
            except OSError:
                time.sleep(0.01)
    """
    limits = SandboxLimits(max_processes=32, interrupt_grace_s=0.2)
    started = time.monotonic()
    run = SubprocessSandbox(limits).run(tmp_path, [*PY, textwrap.dedent(bomb), marker], 3)
    assert time.monotonic() - started < 10
    assert run.timed_out and run.exit_code is None
    assert "wall-clock limit" in run.output
    forks = (tmp_path / "forks").stat().st_size
    assert 0 < forks < 32  # the limit held: every fork is still alive, none ever exited
    time.sleep(0.1)
    assert processes_with(marker) == []
    pids_cgroup = [line.split(":")[2] for line in run.output.splitlines() if ":pids:" in line]
    if "pids-cgroup" in run.isolation:  # v1 names the cgroup; it is removed after the run
        assert pids_cgroup and not Path("/sys/fs/cgroup/pids", pids_cgroup[0][1:]).exists()
        assert "process limit of 32 reached" in run.output


def test_memory_hog_is_stopped(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "test_mem.py": """
        def test_small():
            assert len(bytearray(20 * 1024**2)) > 0
        def test_hog():  # grows until something stops it
            hog = [bytearray(32 * 1024**2) for _ in range(64)]
            assert hog
    """
        },
    )
    limits = SandboxLimits(memory_bytes=384 * 1024**2)
    run = SubprocessSandbox(limits, env=FAST).run(tmp_path, ["python", "-m", "pytest", "-q"], 60)
    assert _outcome(run, "test_small") == "passed"
    assert _outcome(run, "test_hog") == "failed"
    hog = next(t for t in run.tests if t.nodeid.endswith("test_hog"))
    assert "MemoryError" in hog.message


def test_hanging_test_is_killed_and_reported_as_timeout(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "test_hang.py": """
        import time
        def test_a_quick():
            pass
        def test_b_hangs():
            time.sleep(600)
    """
        },
    )
    limits = SandboxLimits(interrupt_grace_s=1.0)
    started = time.monotonic()
    run = SubprocessSandbox(limits, env=FAST).run(tmp_path, ["python", "-m", "pytest", "-q"], 4)
    assert time.monotonic() - started < 10
    assert run.timed_out and run.exit_code is None and not run.passed
    assert "wall-clock limit of 4s" in run.output
    # SIGINT first: pytest still wrote the report of what finished.
    assert _outcome(run, "test_a_quick") == "passed"


def test_timeout_kills_the_whole_tree(tmp_path: Path, isolation: str) -> None:
    """A command that ignores SIGINT and leaves a detached daemon: all of it goes."""
    need(isolation, "pidns")  # without a pid namespace a setsid() child escapes the group
    marker = f"daemon-{uuid.uuid4().hex}"
    script = f"""
        import os, signal, subprocess, sys, time
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)", "{marker}"],
                         start_new_session=True)
        time.sleep(300)
    """
    limits = SandboxLimits(interrupt_grace_s=0.3)
    started = time.monotonic()
    run = SubprocessSandbox(limits).run(tmp_path, [*PY, textwrap.dedent(script)], 1.5)
    assert run.timed_out
    assert time.monotonic() - started < 6
    time.sleep(0.2)
    assert processes_with(marker) == []


def test_daemon_left_behind_by_a_finished_run_is_killed(tmp_path: Path) -> None:
    marker = f"leftover-{uuid.uuid4().hex}"
    script = f"""
        import subprocess, sys
        subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)", "{marker}"])
    """
    run = SubprocessSandbox().run(tmp_path, [*PY, textwrap.dedent(script)], 30)
    assert run.exit_code == 0, run.output
    time.sleep(0.2)
    assert processes_with(marker) == []


def test_run_ends_when_the_host_dies(tmp_path: Path) -> None:
    """A worker killed mid-run (OOM, deploy) must not leave its sandbox running for ever."""
    marker = f"orphan-{uuid.uuid4().hex}"
    host = textwrap.dedent(f"""
        from pathlib import Path
        from tools.sandbox import SubprocessSandbox
        marker = "{marker[::-1]}"[::-1]  # so that only the sandboxed command carries it
        command = ["python", "-c", "import time; time.sleep(120)", marker]
        SubprocessSandbox().run(Path({str(tmp_path)!r}), command, 300)
    """)
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.Popen([sys.executable, "-c", host], cwd=root)
    try:
        deadline = time.monotonic() + 20
        while not processes_with(marker) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert processes_with(marker), "the sandboxed command never started"
    finally:
        proc.kill()
        proc.wait()
    deadline = time.monotonic() + 5
    while processes_with(marker) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert processes_with(marker) == []


def test_write_outside_the_worktree_fails(tmp_path: Path, isolation: str) -> None:
    """Documented limit: without a mount namespace ("rw-fs") the sandbox cannot stop this."""
    need(isolation, "ro-fs")
    workdir = tmp_path / "worktree"
    workdir.mkdir()
    # A host directory that is neither scratch space nor the hidden home: beside this file.
    outside = Path(tempfile.mkdtemp(prefix=".sandbox-wall-", dir=Path(__file__).parent))
    beside = tmp_path / "beside.txt"  # under /tmp, which the sandbox sees as a private tmpfs
    try:
        script = f"""
            import os, json
            def attempt(path):
                try:
                    with open(path, "w") as f:
                        f.write("x")
                    return "written"
                except OSError as exc:
                    return exc.strerror
            print(json.dumps({{
                "outside": attempt({str(outside / "escaped.txt")!r}),
                "beside": attempt({str(beside)!r}),
                "worktree": attempt("inside.txt"),
                "tmpdir": attempt(os.path.join(os.environ["TMPDIR"], "t.txt")),
                "slash_tmp": attempt("/tmp/scratch.txt"),
            }}))
        """
        run = SubprocessSandbox().run(workdir, [*PY, textwrap.dedent(script)], 30)
        assert run.exit_code == 0, run.output
        result = __import__("json").loads(run.output.splitlines()[0])
        # Read-only where the checkout is visible; absent where it sits under a hidden tmpfs
        # (a clone under /tmp): refused either way, and nothing reached the host.
        assert result["outside"] in ("Read-only file system", "No such file or directory")
        assert not (outside / "escaped.txt").exists()
        assert not beside.exists()  # whatever the sandbox wrote there stayed in its tmpfs
        assert result["worktree"] == result["tmpdir"] == result["slash_tmp"] == "written"
        assert (workdir / "inside.txt").read_text() == "x"
    finally:
        shutil.rmtree(outside)


def test_host_credential_files_and_devices_are_hidden(tmp_path: Path, isolation: str) -> None:
    """uid 0 without capabilities still owns root's files: the host home must not be there."""
    need(isolation, "ro-fs")
    secret = Path.home() / f".alertfix-sandbox-secret-{uuid.uuid4().hex}"
    secret.write_text("token")
    try:
        script = f"""
            import os, pathlib
            try:
                print(pathlib.Path({str(secret)!r}).read_text())
            except OSError as exc:
                print(exc.strerror)
            print(sorted(os.listdir("/dev")))
            with open("/dev/null", "w") as null:
                null.write("fine")
        """
        run = SubprocessSandbox().run(tmp_path, [*PY, textwrap.dedent(script)], 30)
        assert run.exit_code == 0, run.output
        read, dev = run.output.splitlines()[:2]
        assert read == "No such file or directory"
        assert not set(eval(dev)) - {"null", "zero", "full", "random", "urandom", "tty",
                                     "fd", "stdin", "stdout", "stderr", "shm"}  # fmt: skip
    finally:
        secret.unlink()


def test_no_capabilities_and_no_host_processes(tmp_path: Path, isolation: str) -> None:
    need(isolation, "nocaps")
    need(isolation, "pidns")
    script = """
        import ctypes, os
        status = open("/proc/self/status").read()
        print(status.split("CapEff:")[1].split()[0], status.split("CapBnd:")[1].split()[0])
        libc = ctypes.CDLL(None, use_errno=True)
        ok = libc.mount(None, b"/", None, 32 | 4096, None)  # remount read-write
        print(ok, os.strerror(ctypes.get_errno()))
        print(sorted(int(p) for p in os.listdir("/proc") if p.isdigit()))
    """
    run = SubprocessSandbox().run(tmp_path, [*PY, textwrap.dedent(script)], 30)
    caps, remount, pids = run.output.splitlines()[:3]
    assert caps == "0000000000000000 0000000000000000"
    assert remount == "-1 Operation not permitted"
    assert eval(pids) == [1, 2]  # the init and the command: nothing of the host's


def test_worktree_cannot_touch_the_main_repository(tmp_path: Path, isolation: str) -> None:
    """A test must not plant a hook or config in the repository that alertfix uses later."""
    need(isolation, "ro-fs")
    main = tmp_path / "main"
    main.mkdir()

    def git(*args: str, cwd: Path = main) -> str:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)
        return done.stdout.strip()

    git("init", "-q", "-b", "main")
    (main / "app.py").write_text("x = 1\n")
    git("add", ".")
    git("-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qm", "init")
    worktree = tmp_path / "incident"
    git("worktree", "add", "-q", "--detach", str(worktree))
    head = git("rev-parse", "HEAD")
    script = """
        import pathlib, subprocess
        print(subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True).stdout)
        gitdir = pathlib.Path(subprocess.run(["git", "rev-parse", "--git-common-dir"],
                              capture_output=True, text=True).stdout.strip())
        try:
            (gitdir / "hooks" / "post-checkout").write_text("#!/bin/sh\\necho pwned\\n")
            print("hook written")
        except OSError as exc:
            print(exc.strerror)
        try:
            pathlib.Path(".git").write_text("gitdir: evil")
            print("gitdir redirected")
        except OSError as exc:
            print(exc.strerror)
        pathlib.Path("app.py").write_text("x = 2\\n")
    """
    pointer = (worktree / ".git").read_text()
    run = SubprocessSandbox().run(worktree, [*PY, textwrap.dedent(script)], 30)
    assert run.exit_code == 0, run.output
    lines = run.output.split()
    assert lines[0] == head  # tests may read git
    assert run.output.count("Read-only file system") == 2, run.output
    assert (worktree / ".git").read_text() == pointer
    assert not (main / ".git" / "hooks" / "post-checkout").exists()
    assert (worktree / "app.py").read_text() == "x = 2\n"  # the worktree itself is writable
    assert git("status", "--porcelain", cwd=worktree) == "M app.py"


def test_dot_git_inside_the_workdir_is_read_only(tmp_path: Path, isolation: str) -> None:
    """A full clone (or a worktree's gitdir pointer) in the workdir: hooks cannot be planted."""
    need(isolation, "ro-fs")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    script = """
        import pathlib
        for path in (".git/hooks/pre-commit", ".git/config", "inside.txt"):
            try:
                pathlib.Path(path).write_text("x")
                print(path, "written")
            except OSError as exc:
                print(path, exc.strerror)
    """
    config = (tmp_path / ".git" / "config").read_text()
    run = SubprocessSandbox().run(tmp_path, [*PY, textwrap.dedent(script)], 30)
    assert run.output.splitlines()[:3] == [
        ".git/hooks/pre-commit Read-only file system",
        ".git/config Read-only file system",
        "inside.txt written",
    ]
    assert (tmp_path / ".git" / "config").read_text() == config


def test_cpu_limit_kills_a_busy_loop(tmp_path: Path) -> None:
    run = SubprocessSandbox(SandboxLimits(cpu_seconds=1)).run(
        tmp_path, [*PY, "while True: pass"], 30
    )
    assert run.exit_code == -signal.SIGXCPU and not run.timed_out
    assert "CPU-time limit" in run.output


def test_file_size_limit(tmp_path: Path) -> None:
    script = "open('big', 'wb').write(b'x' * 2 * 1024 * 1024)"
    run = SubprocessSandbox(SandboxLimits(file_size_bytes=1024 * 1024)).run(
        tmp_path, [*PY, script], 30
    )
    assert run.exit_code == 1
    assert "File too large" in run.output
    assert (tmp_path / "big").stat().st_size <= 1024 * 1024


def test_output_is_capped_keeping_head_and_tail(tmp_path: Path) -> None:
    script = "print('FIRST'); print('x' * 1_000_000); print('LAST')"
    run = SubprocessSandbox(SandboxLimits(output_bytes=10_000)).run(tmp_path, [*PY, script], 30)
    assert run.exit_code == 0
    assert run.output.startswith("FIRST") and "LAST" in run.output
    assert "bytes of output dropped" in run.output
    assert len(run.output) < 10_200


def test_isolation_is_recorded_and_weaker_isolation_admitted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A machine without unshare: the command still runs, and the result says what was missing.
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    sandbox = SubprocessSandbox()
    run = sandbox.run(tmp_path, [*PY, "print('ran')"], 30)
    assert run.exit_code == 0 and run.output.startswith("ran")
    parts = run.isolation.split("+")
    assert "no-netns" in parts and "no-pidns" in parts and "rw-fs" in parts
    gaps = isolation_gaps(run.isolation)
    assert "network was reachable (no network namespace)" in gaps
    assert isolation_gaps("netns+pidns+ro-fs+nocaps+pids-cgroup+rlimits") == []


def test_failing_unshare_falls_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Where user namespaces are forbidden, unshare exits at once; each run falls back."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "calls"
    fake = bin_dir / "unshare"
    fake.write_text(
        f"#!/bin/sh\necho x >> {calls}\n"
        "echo 'unshare: unshare failed: Operation not permitted' >&2\nexit 1\n"
    )
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    sandbox = SubprocessSandbox()
    first = sandbox.run(tmp_path, [*PY, "print('ran')"], 30)
    second = sandbox.run(tmp_path, [*PY, "print('again')"], 30)
    assert first.exit_code == 0 and "ran" in first.output
    assert "namespaces unavailable: unshare: unshare failed" in first.output
    assert "no-netns" in first.isolation and "no-netns" in second.isolation
    assert second.exit_code == 0 and "again" in second.output
    assert calls.read_text().count("x") == 2  # tried each time: a failure may be transient


def test_never_raises_for_what_the_command_does(tmp_path: Path) -> None:
    missing = SubprocessSandbox().run(tmp_path, ["no-such-program-anywhere"], 30)
    assert missing.exit_code == 127 and "cannot start no-such-program-anywhere" in missing.output
    nowhere = SubprocessSandbox().run(tmp_path / "absent", [*PY, "pass"], 30)
    assert nowhere.exit_code is None and "cannot start" in nowhere.output
    crash = SubprocessSandbox().run(tmp_path, [*PY, "import os; os.abort()"], 30)
    assert crash.exit_code == -signal.SIGABRT and "killed by SIGABRT" in crash.output


# ---------------------------------------------------------------- results


def test_junit_results_per_test(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "tests/__init__.py": "",
            "tests/test_mix.py": """
            import pytest
            def test_pass():
                pass
            def test_fail():
                assert 1 + 1 == 3, "arithmetic is broken"
            @pytest.fixture
            def broken():
                raise RuntimeError("fixture exploded")
            def test_error(broken):
                pass
            @pytest.mark.skip(reason="not today")
            def test_skip():
                pass
            @pytest.mark.parametrize("n", [1, 2])
            def test_param(n):
                assert n == 1
            class TestGroup:
                def test_in_class(self):
                    pass
            def test_long_failure():
                raise ValueError("v" * 10_000)
        """,
            "tests/test_broken_import.py": "import no_such_module_anywhere\n",
        },
    )
    command = ["python", "-m", "pytest", "-q", "--continue-on-collection-errors", "tests",
               "--junitxml", "theirs.xml"]  # fmt: skip
    run = SubprocessSandbox(env=FAST).run(tmp_path, command, 60)
    by_id = {t.nodeid: t for t in run.tests}
    m = "tests/test_mix.py::"
    assert by_id[m + "test_pass"].outcome == "passed"
    assert by_id[m + "test_fail"].outcome == "failed"
    assert "arithmetic is broken" in by_id[m + "test_fail"].message
    assert by_id[m + "test_error"].outcome == "error"
    assert "fixture exploded" in by_id[m + "test_error"].message
    assert by_id[m + "test_skip"].outcome == "skipped"
    assert by_id[m + "test_param[1]"].outcome == "passed"
    assert by_id[m + "test_param[2]"].outcome == "failed"
    assert by_id[m + "TestGroup::test_in_class"].outcome == "passed"
    long = by_id[m + "test_long_failure"].message
    assert long.startswith("ValueError: vvv") and len(long) <= MESSAGE_CHARS
    assert by_id["tests/test_broken_import.py"].outcome == "error"
    assert "no_such_module_anywhere" in by_id["tests/test_broken_import.py"].message
    assert all(t.seconds >= 0 for t in run.tests)
    assert run.exit_code == 1 and run.command == command
    assert not list(tmp_path.glob("**/*.xml"))  # the report went outside the worktree


def test_parse_junit_xunit2_without_file_attribute(tmp_path: Path) -> None:
    write(tmp_path, {"pkg/test_x.py": ""})
    xml = b"""<testsuites><testsuite>
      <testcase classname="pkg.test_x.TestA" name="test_one[a-b]" time="0.5"/>
      <testcase classname="pkg.test_x" name="test_two" time="0.1">
        <failure message="assert 0">trace</failure></testcase>
      <testcase classname="pkg.test_x" name="test_two" time="0.0">
        <error message="teardown failed">trace</error></testcase>
    </testsuite></testsuites>"""
    results = {t.nodeid: t for t in parse_junit(xml, tmp_path)}
    assert results["pkg/test_x.py::TestA::test_one[a-b]"].seconds == 0.5
    assert results["pkg/test_x.py::test_two"].outcome == "error"  # the worse of the two
    assert parse_junit(b"<not xml", tmp_path) == []


def test_python_is_replaced_by_the_sandbox_python(tmp_path: Path) -> None:
    alias = tmp_path / "bin" / "python3.11-alias"
    alias.parent.mkdir()
    alias.symlink_to(sys.executable)
    run = SubprocessSandbox(python=str(alias)).run(
        tmp_path, [*PY, "import os, sys; print(sys.executable); print(os.environ['PATH'])"], 30
    )
    executable, path = run.output.splitlines()[:2]
    assert executable == str(alias)
    assert path.split(":")[0] == str(alias.parent)
