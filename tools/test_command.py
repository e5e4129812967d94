"""How a repository's tests run: pytest with its configuration wherever it lives, unittest
discovery when nothing configures pytest and the tests are TestCases, a monorepo service run
from the repository root."""

from __future__ import annotations

import configparser
import contextlib
import os
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tools.repo_deps import IGNORED_DIRS
from tools.sandbox import pytest_config_file


@dataclass(frozen=True)
class TestCommand:
    """How the repository's tests run, from the repository root."""

    __test__ = False

    argv: list[str]
    kind: str  # "pytest", "unittest" or "custom"
    why: str  # where it came from, for the PR
    # pytest options the warm worker needs to collect the same suite (a service's -c, say)
    pytest_args: list[str] = field(default_factory=list)


_TEST_NAME = re.compile(r"(^|/)(test[^/]*|[^/]*_test)\.py$")
_SKIP_DIRS = IGNORED_DIRS | {"build", "dist", "site-packages", "docs"}


def _test_files(directory: Path, limit: int = 400) -> list[Path]:
    found: list[Path] = []
    for root, dirs, files in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and not d.startswith("."))
        for name in sorted(files):
            if _TEST_NAME.search(name):
                found.append(Path(root) / name)
                if len(found) >= limit:
                    return found
    return found


def _unittest_only(files: list[Path]) -> bool:
    """Every test module is unittest.TestCase classes, and none is written for pytest."""
    if not files:
        return False
    for path in files:
        text = path.read_text(errors="replace")
        if re.search(r"^(import pytest|from pytest|from _pytest)|^def test|^async def test",
                     text, re.MULTILINE) or "TestCase" not in text:
            return False
    return True


def _prefixed(service: str, paths: list[str]) -> list[str]:
    return [f"{service}/{p}".rstrip("/") for p in paths] if service else paths


def detect_test_command(repo: Path, service: str = "",
                        configured: Sequence[str] | None = None) -> TestCommand:
    """The command that runs the repository's (or the service's) tests, from the root.

    pytest with its configuration wherever it lives; ``python -m unittest discover`` when
    nothing configures pytest and every test module is ``unittest.TestCase``; a service in a
    subdirectory runs from the root with its own configuration (``-c``) and test paths, so
    node ids stay repository-relative."""
    base = repo / service if service else repo
    if configured:
        argv = list(configured)
        kind = "pytest" if any(a.endswith("pytest") for a in argv) else (
            "unittest" if "unittest" in argv else "custom")
        options: list[str] = []
        if kind == "pytest":
            at = next(i for i, a in enumerate(argv) if a.endswith("pytest"))
            options = [a for a in argv[at + 1 :] if a != "-q"]
        return TestCommand(argv, kind, "configured", options)
    config = pytest_config_file(base)
    files = _test_files(base)
    if config is None and _unittest_only(files):
        dirs = sorted({p.relative_to(base).parts[0] for p in files if len(
            p.relative_to(base).parts) > 1})
        start = next((d for d in ("tests", "test") if d in dirs), ".")
        top = service or "."
        argv = ["python", "-m", "unittest", "discover", "-v", "-s",
                _prefixed(service, [start])[0] if start != "." else top, "-t", top]
        return TestCommand(argv, "unittest", "no pytest configuration and every test module "
                           "is unittest.TestCase: unittest discovery",
                           ["-o", "python_files=test*.py"])
    argv = ["python", "-m", "pytest", "-q"]
    extra: list[str] = []
    why = f"pytest, configured in {config}" if config else "pytest (no configuration found)"
    if service:
        extra = ["--rootdir=."]
        if config:
            extra += ["-c", f"{service}/{config}"]
        testpaths = _config_testpaths(base, config) or [""]
        extra += ["-o", "testpaths=" + " ".join(_prefixed(service, testpaths))]
        why += f" in the service directory {service}/"
    return TestCommand([*argv, *extra], "pytest", why, extra)


def _config_testpaths(directory: Path, config: str | None) -> list[str]:
    if config is None:
        return []
    text = (directory / config).read_text(errors="replace")
    if config == "pyproject.toml":
        with contextlib.suppress(tomllib.TOMLDecodeError):
            tool = tomllib.loads(text).get("tool", {}).get("pytest", {})
            options = tool.get("ini_options", tool)
            paths = options.get("testpaths", [])
            return [paths] if isinstance(paths, str) else list(paths)
        return []
    parser = configparser.ConfigParser(interpolation=None)
    with contextlib.suppress(configparser.Error):
        parser.read_string(text)
    section = {"setup.cfg": "tool:pytest"}.get(config, "pytest")
    return parser.get(section, "testpaths", fallback="").split()


