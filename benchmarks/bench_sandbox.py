"""What the sandbox's walls cost per run: `python benchmarks/bench_sandbox.py [runs]`.

Compares a bare subprocess with the sandbox (namespaces, and the rlimits-only fallback a
machine without unshare gets), for an empty command and for a small pytest suite. The
engine validates candidates one test run each, so this overhead is paid per candidate.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tools.sandbox import SubprocessSandbox

SUITE = """
import pytest

@pytest.mark.parametrize("n", range(20))
def test_n(n):
    assert n * n >= 0
"""


def median_ms(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median wall time, and median CPU time of this process and its children, in ms.

    CPU time barely moves with the machine's load; wall time does.
    """
    fn()  # warm the page cache
    walls, cpus = [], []
    for _ in range(runs):
        before = _cpu_s()
        start = time.perf_counter()
        fn()
        walls.append((time.perf_counter() - start) * 1000)
        cpus.append((_cpu_s() - before) * 1000)
    return statistics.median(walls), statistics.median(cpus)


def _cpu_s() -> float:
    me, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def main(runs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        (workdir / "test_suite.py").write_text(SUITE)
        empty = ["python", "-c", "pass"]
        suite = ["python", "-m", "pytest", "-q", "-p", "no:cacheprovider"]
        walled = SubprocessSandbox()
        fallback = SubprocessSandbox()
        fallback._unshare = None  # what a machine without unshare gets

        def bare(cmd: list[str]) -> None:
            subprocess.run([sys.executable, *cmd[1:]], cwd=workdir, capture_output=True)

        def sandboxed(sandbox: SubprocessSandbox, cmd: list[str]) -> None:
            sandbox.run(workdir, cmd, 60)

        print(f"isolation: {walled.run(workdir, empty, 30).isolation}   ({runs} runs, median)")
        rows = [
            ("python -c pass", empty),
            ("pytest, 20 tests", suite),
        ]
        print(f"{'command (wall / cpu ms)':<24} {'bare':>13} {'sandbox':>13} {'rlimits only':>13}")
        for label, cmd in rows:
            cells = [
                median_ms(partial(bare, cmd), runs),
                median_ms(partial(sandboxed, walled, cmd), runs),
                median_ms(partial(sandboxed, fallback, cmd), runs),
            ]
            print(f"{label:<24}" + "".join(f" {w:>6.0f} / {c:<4.0f}" for w, c in cells))
        print(f"load average: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
