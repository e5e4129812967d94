"""What a test run reports, read into `TestCaseResult`s with pytest-style node ids: pytest's
JUnit XML, and the verbose output of `python -m unittest` (run through a small driver that
also takes node ids and runs module-level test functions)."""

from __future__ import annotations

import inspect
import os
import re
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from tools.ports import TestCaseResult, TestOutcome

MESSAGE_CHARS = 2_000  # per failed test: the assertion line plus the end of the traceback


# ---------------------------------------------------------------- unittest


def _unittest_main() -> None:
    """``python -m unittest`` as the repository runs it, plus two things alertfix needs:
    node ids (``tests/test_x.py::Case::test_y``) as names to run, and module-level test
    functions (alertfix's regression tests are plain functions, which unittest ignores).

    Shipped as source text like the init; argv[1] is JSON: {"names": [...]} or
    {"start": ..., "pattern": ..., "top": ...}. Prints unittest's own verbose report."""
    import contextlib
    import fnmatch
    import importlib
    import inspect
    import json
    import os
    import sys
    import unittest

    spec = json.loads(sys.argv[1])
    top = os.path.abspath(spec.get("top") or ".")
    sys.path.insert(0, top)

    class Function(unittest.FunctionTestCase):
        def id(self) -> str:
            f = self._testFunc  # type: ignore[attr-defined]
            return f"{f.__module__}.{f.__qualname__}"

        def __str__(self) -> str:
            return f"{self._testFunc.__name__} ({self.id()})"  # type: ignore[attr-defined]

    def functions(module: Any) -> list[Any]:
        return [Function(f) for n, f in sorted(vars(module).items())
                if n.startswith("test") and inspect.isfunction(f)
                and f.__module__ == module.__name__]

    loader = unittest.TestLoader()
    suite = unittest.TestSuite()
    if spec.get("names"):
        for name in spec["names"]:
            module_name, _, attr = name.rpartition(".")
            obj = None
            with contextlib.suppress(Exception):
                obj = getattr(importlib.import_module(module_name), attr, None)
            if inspect.isfunction(obj):
                suite.addTest(Function(obj))
            else:
                suite.addTest(loader.loadTestsFromName(name))
    else:
        start = os.path.abspath(spec.get("start") or ".")
        pattern = spec.get("pattern") or "test*.py"
        suite.addTests(loader.discover(start, pattern, top))
        for module in list(sys.modules.values()):
            path = os.path.abspath(getattr(module, "__file__", None) or "/")
            if path.startswith(start + os.sep) and fnmatch.fnmatch(os.path.basename(path),
                                                                   pattern):
                suite.addTests(functions(module))
    result = unittest.TextTestRunner(stream=sys.stdout, verbosity=2).run(suite)
    sys.stdout.flush()
    sys.exit(5 if not result.testsRun else 0 if result.wasSuccessful() else 1)


UNITTEST_SOURCE = (
    "from typing import Any\n"
    + textwrap.dedent(inspect.getsource(_unittest_main))
    + "\n_unittest_main()\n"
)


def _unittest_index(command: Sequence[str]) -> int | None:
    for i, token in enumerate(command):
        if token == "unittest" and i > 0 and command[i - 1] == "-m":
            return i
    return None


def _is_nodeid(arg: str) -> bool:
    return "::" in arg or arg.endswith(".py")


def _dotted(nodeid: str, top: str) -> str:
    """``tests/test_x.py::Case::test_y`` as unittest names it, relative to ``top``."""
    path, _, rest = nodeid.partition("::")
    rel = os.path.relpath(path, top) if top not in ("", ".") else path
    module = rel.removesuffix(".py").replace("/", ".")
    return ".".join([module, *[p for p in rest.split("::") if p]])


def unittest_spec(argv: Sequence[str]) -> tuple[int, dict[str, Any]] | None:
    """Where ``-m unittest`` is in ``argv`` and what it asks to run, or None."""
    at = _unittest_index(argv)
    if at is None:
        return None
    args = list(argv[at + 1 :])
    spec: dict[str, Any] = {"start": ".", "pattern": "test*.py", "top": None}
    positional: list[str] = []
    ids: list[str] = []
    options = {"-s": "start", "--start-directory": "start", "-p": "pattern",
               "--pattern": "pattern", "-t": "top", "--top-level-directory": "top"}
    i = 0
    while i < len(args):
        arg = args[i]
        if arg in options and i + 1 < len(args):
            spec[options[arg]] = args[i + 1]
            i += 2
            continue
        if arg == "-k" and i + 1 < len(args):
            i += 2
            continue
        if _is_nodeid(arg):
            ids.append(arg)
        elif not arg.startswith("-") and arg != "discover":
            positional.append(arg)
        i += 1
    if positional and "discover" in args:
        for name, value in zip(("start", "pattern", "top"), positional, strict=False):
            spec[name] = value
    elif positional:
        ids += positional  # dotted names given by the command itself
    top = spec["top"] or (spec["start"] if "discover" in args else ".")
    spec["top"] = top
    if ids:
        spec = {"top": top, "names": [_dotted(x, top) if _is_nodeid(x) else x for x in ids]}
    return at, spec


_UNITTEST_LINE = re.compile(
    r"^(?P<name>\w+) \((?P<id>[\w.]+)\)(?:\n[^\n]*?)?"
    r" \.\.\. (?P<status>ok|FAIL|ERROR|skipped|expected failure|unexpected success)",
    re.MULTILINE)
_UNITTEST_BLOCK = re.compile(
    r"^(?P<kind>FAIL|ERROR): (?P<name>\w+) \((?P<id>[\w.]+)\)\n(?:[^\n]*\n)?-{70}\n"
    r"(?P<body>.*?)(?=^={70}$|^-{70}\nRan |\Z)", re.MULTILINE | re.DOTALL)


def _unittest_nodeid(name: str, dotted: str, workdir: Path | None, top: str) -> str:
    if not dotted.endswith("." + name):
        dotted = f"{dotted}.{name}"  # before 3.11 the parenthesis names the class only
    parts = dotted.split(".")
    base = Path(top) if top not in ("", ".") else Path()
    for n in range(len(parts) - 1, 0, -1):
        candidate = base.joinpath(*parts[:n]).with_suffix(".py")
        if workdir is None or (workdir / candidate).is_file():
            return "::".join([candidate.as_posix(), *parts[n:]])
    return dotted


def parse_unittest(output: str, workdir: Path | None = None,
                   top: str = ".") -> list[TestCaseResult]:
    """unittest's verbose report (``-v``) as results, with pytest-style node ids."""
    outcomes = {"ok": "passed", "FAIL": "failed", "ERROR": "error", "skipped": "skipped",
                "expected failure": "passed", "unexpected success": "failed"}
    messages: dict[str, str] = {}
    for block in _UNITTEST_BLOCK.finditer(output):
        nodeid = _unittest_nodeid(block["name"], block["id"], workdir, top)
        body = block["body"].strip()
        last = body.splitlines()[-1] if body else ""
        messages[nodeid] = _truncate_message(last, body)
    results: dict[str, TestCaseResult] = {}
    for line in _UNITTEST_LINE.finditer(output):
        nodeid = _unittest_nodeid(line["name"], line["id"], workdir, top)
        outcome: TestOutcome = outcomes[line["status"]]  # type: ignore[assignment]
        results[nodeid] = TestCaseResult(nodeid=nodeid, outcome=outcome,
                                         message=messages.get(nodeid, ""))
    for nodeid, message in messages.items():  # an error outside any test (an import)
        if nodeid not in results:
            results[nodeid] = TestCaseResult(nodeid=nodeid, outcome="error", message=message)
    return list(results.values())




# ---------------------------------------------------------------- JUnit XML


def _truncate_message(message: str, body: str) -> str:
    """The assertion line first, then the end of the traceback, within MESSAGE_CHARS."""
    message, body = message.strip(), body.strip()
    if len(message) > MESSAGE_CHARS // 2:
        message = message[: MESSAGE_CHARS // 2 - 3] + "..."
    if not body or body == message:
        return message
    room = MESSAGE_CHARS - len(message) - 2
    if len(body) > room:
        body = "..." + body[-(room - 3) :]
    return f"{message}\n\n{body}" if message else body


def _nodeid(case: ElementTree.Element, workdir: Path | None) -> str:
    name = case.get("name", "")
    classname = case.get("classname", "")
    file = case.get("file", "")
    if not classname:  # a collection error names the module
        return file or name
    if not file and workdir is not None:
        # xunit2 has no file attribute: find the longest dotted prefix that is a module.
        parts = classname.split(".")
        for n in range(len(parts), 0, -1):
            candidate = "/".join(parts[:n]) + ".py"
            if (workdir / candidate).exists():
                file = candidate
                break
    if not file:
        return "::".join([classname.replace(".", "/") + ".py", name])
    module = file[:-3].replace("/", ".") if file.endswith(".py") else file.replace("/", ".")
    rest = classname[len(module) + 1 :] if classname.startswith(module) else ""
    return "::".join([file, *[p for p in rest.split(".") if p], name])


def parse_junit(xml: bytes, workdir: Path | None = None) -> list[TestCaseResult]:
    """pytest's JUnit XML (xunit1 or xunit2) as results; an unreadable report is no results."""
    try:
        root = ElementTree.fromstring(xml)
    except ElementTree.ParseError:
        return []
    results: dict[str, TestCaseResult] = {}
    rank = {"passed": 0, "skipped": 1, "failed": 2, "error": 3}
    for case in root.iter("testcase"):
        outcome: TestOutcome = "passed"
        message = ""
        for tag, this in (("skipped", "skipped"), ("failure", "failed"), ("error", "error")):
            for child in case.findall(tag):
                if rank[this] >= rank[outcome]:
                    outcome = this  # type: ignore[assignment]
                    message = _truncate_message(child.get("message", ""), child.text or "")
        nodeid = _nodeid(case, workdir)
        seconds = float(case.get("time", "0") or 0)
        previous = results.get(nodeid)
        if previous is None or rank[outcome] > rank[previous.outcome]:
            results[nodeid] = TestCaseResult(
                nodeid=nodeid, outcome=outcome, seconds=seconds, message=message
            )
    return list(results.values())
