"""New dependencies: in manifests alertfix can read, and as imports of new third-party modules."""

from __future__ import annotations

import configparser
import json
import re
import sys
import tomllib
from collections.abc import Iterable
from typing import Any

from guardrails.globs import first_match

_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
REQUIREMENTS = ("requirements*.txt", "requirements/*.txt", "*requirements.txt", "constraints*.txt")
# Manifests whose format is not parsed here: any change to them counts as a dependency change.
OPAQUE_MANIFESTS = (
    "setup.py", "Pipfile", "environment.yml", "environment.yaml", "go.mod",
    "Cargo.toml", "Gemfile", "*.gemspec", "pom.xml", "build.gradle", "build.gradle.kts",
    "composer.json",
)  # fmt: skip
_PACKAGE_JSON_TABLES = (
    "dependencies", "devDependencies", "peerDependencies", "optionalDependencies",
)  # fmt: skip


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement_names(lines: Iterable[str]) -> set[str]:
    names = set()
    for raw in lines:
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("-") or "://" in line:
            # -r other.txt, -e git+https://..., a URL: keep the whole line as its identity.
            names.add(line)
            continue
        match = _NAME.match(line)
        if match:
            names.add(_canonical(match.group(1)))
    return names


def _pyproject_names(data: dict[str, Any]) -> set[str]:
    project = data.get("project", {})
    specs: list[str] = list(project.get("dependencies", []))
    for group in project.get("optional-dependencies", {}).values():
        specs.extend(group)
    for group in data.get("dependency-groups", {}).values():
        specs.extend(s for s in group if isinstance(s, str))
    specs.extend(data.get("build-system", {}).get("requires", []))
    names = _requirement_names(specs)
    poetry = data.get("tool", {}).get("poetry", {})
    tables = [poetry.get("dependencies", {}), poetry.get("dev-dependencies", {})]
    tables += [g.get("dependencies", {}) for g in poetry.get("group", {}).values()]
    names.update(_canonical(name) for table in tables for name in table)
    return names


def _setup_cfg_names(text: str) -> set[str]:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(text)
    lines: list[str] = []
    if parser.has_section("options"):
        for key in ("install_requires", "setup_requires", "tests_require"):
            lines += parser.get("options", key, fallback="").splitlines()
    if parser.has_section("options.extras_require"):
        for value in parser["options.extras_require"].values():
            lines += value.splitlines()
    return _requirement_names(lines)


def manifest_names(path: str, text: str) -> set[str] | None:
    """Dependency names declared in a manifest; None if `path` is not a manifest read here.

    Raises ValueError when the manifest cannot be parsed.
    """
    base = path.rsplit("/", 1)[-1]
    if first_match(path, REQUIREMENTS):
        return _requirement_names(text.splitlines())
    if base == "pyproject.toml":
        try:
            return _pyproject_names(tomllib.loads(text))
        except (tomllib.TOMLDecodeError, AttributeError, TypeError) as exc:
            raise ValueError(f"{path} cannot be parsed") from exc
    if base == "setup.cfg":
        try:
            return _setup_cfg_names(text)
        except configparser.Error as exc:
            raise ValueError(f"{path} cannot be parsed") from exc
    if base == "package.json":
        try:
            data = json.loads(text)
            return {name for table in _PACKAGE_JSON_TABLES for name in data.get(table, {})}
        except (ValueError, AttributeError, TypeError) as exc:
            raise ValueError(f"{path} cannot be parsed") from exc
    return None


def is_opaque_manifest(path: str) -> bool:
    return first_match(path, OPAQUE_MANIFESTS) is not None


def first_party_roots(paths: Iterable[str]) -> set[str]:
    """Top-level module names the repository itself provides, guessed from file paths."""
    roots = set()
    for path in paths:
        parts = path.split("/")
        if parts[0] == "src" and len(parts) > 1:
            parts = parts[1:]
        roots.add(parts[0].removesuffix(".py"))
    return roots


def is_third_party(module: str, first_party: set[str]) -> bool:
    stdlib = module in sys.stdlib_module_names or module == "__future__"
    return not stdlib and module not in first_party
