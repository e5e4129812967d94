"""Running one collected test in the warm worker's forked child (see worker.py), two ways:

- pytest's run-test protocol (setup, call, teardown, reports through every plugin's hooks);
- a direct call of the item's `runtest()`, for a test where the protocol adds nothing but
  cost: a plain module-level test function with no fixtures at all (so none to set up or
  tear down, autouse and xunit-style setup included), no markers (no skip, xfail,
  filterwarnings, timeout), not async, under no `Class` and no package `__init__` with
  module setup, when no plugin or conftest outside pytest's own takes part in running a
  test, and no warning filter is configured (which could turn a warning into a failure).
  `runtest()` goes through the same `pytest_pyfunc_call` hook, and a failure is described by
  the item's own `repr_failure`, so the outcome and message are the protocol's.

The protocol's machinery costs a few milliseconds per test in a fresh child (its objects' pages
are copied on first write after the fork); the direct call about a tenth of that.

The worker loads this file by path inside the sandbox, so it needs only the standard library
and the repository's pytest.
"""

from __future__ import annotations

import os
from typing import Any

# The hooks that run a test item; a plugin outside pytest implementing one can change what a
# run means (reruns, timeouts, async loops, database setup), so it rules the direct call out.
_RUN_HOOKS = ("pytest_runtest_protocol", "pytest_runtest_setup", "pytest_runtest_call",
              "pytest_runtest_teardown", "pytest_pyfunc_call", "pytest_runtest_makereport")
_MODULE_SETUP = ("setup_module", "setUpModule", "teardown_module", "tearDownModule")
# Plugins whose run hooks act only on a test that opts in (by a marker, a fixture, a decorator
# or being async), read in their sources; for a test the direct call takes they pass through.
# pytest-timeout's timer is the exception: there the worker's own deadline for the request
# stands in for it (a test that hangs fails either way).
_INERT_FOR_PLAIN_TESTS = ("anyio.pytest_plugin", "_hypothesis_pytestplugin",
                          "pytest_benchmark.plugin", "langsmith.pytest_plugin",
                          "pytest_timeout")


def _pytest_own(hookcaller: Any, ours: tuple[Any, ...]) -> bool:
    for impl in hookcaller.get_hookimpls():
        module = getattr(impl.function, "__module__", "") or ""
        if impl.plugin not in ours and not module.startswith("_pytest.") \
                and module not in _INERT_FOR_PLAIN_TESTS:
            return False
    return True


def _package_setup(node: Any) -> bool:
    """Whether a package node's `__init__.py` may define module setup or teardown (read as
    text: the name anywhere is enough to take the protocol)."""
    try:
        with open(os.path.join(str(node.path), "__init__.py"), encoding="utf-8",
                  errors="replace") as f:
            text = f.read()
    except OSError:
        return False
    return any(name in text for name in _MODULE_SETUP)


def direct_items(items: list[Any], config: Any, ours: tuple[Any, ...]) -> set[str]:
    """Node ids of `items` that may run by a direct call (see the module's docstring)."""
    import inspect

    import pytest

    if config.getini("filterwarnings") or config.getoption("pythonwarnings", None):
        return set()
    direct: set[str] = set()
    for item in items:
        if type(item) is not pytest.Function or item.fixturenames or item.cls is not None:
            continue
        if any(True for _ in item.iter_markers()):
            continue
        function = getattr(item, "obj", None)
        # Undecorated: a decorator (Hypothesis' @given, say) leaves attributes or __wrapped__.
        if not inspect.isfunction(function) or function.__dict__ \
                or inspect.iscoroutinefunction(function) \
                or inspect.isasyncgenfunction(function):
            continue
        chain = item.listchain()[:-1]
        if any(type(node).__name__ not in ("Session", "Dir", "Package", "Module")
               or (type(node).__name__ == "Package" and _package_setup(node))
               for node in chain):
            continue
        if all(_pytest_own(getattr(item.ihook, name), ours) for name in _RUN_HOOKS):
            direct.add(item.nodeid)
    return direct


def run_direct(item: Any, brief: bool) -> tuple[str, str]:
    """The item's outcome ("passed", "failed", "skipped") and failure text, by a direct call:
    the item's own report, or with `brief` only its crash line (see `crash_line`). A test may
    raise anything; KeyboardInterrupt is the only exception let through, as in pytest."""
    import pytest
    from _pytest._code import ExceptionInfo

    try:
        item.runtest()
    except KeyboardInterrupt:
        raise
    except (pytest.skip.Exception, pytest.xfail.Exception):  # as the protocol reports them
        return "skipped", ""
    except BaseException as exc:  # the test's failure, whatever it is
        if brief:
            return "failed", crash_line(exc)
        return "failed", str(item.repr_failure(ExceptionInfo.from_exception(exc)))
    return "passed", ""


def crash_line(exc: BaseException) -> str:
    """`path:line: Type: message` of the innermost frame, as pytest's `--tb=line` prints a
    failure: a candidate that fails needs no more (formatting the whole report reads and
    parses the test's source, a third of a failing candidate's cost)."""
    import traceback

    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    where = f"{tb.tb_frame.f_code.co_filename}:{tb.tb_lineno}: " if tb is not None else ""
    return where + "".join(traceback.format_exception_only(type(exc), exc)).strip()
