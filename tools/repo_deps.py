"""What a repository says it needs installed to run its tests, read from its own files: lock
files, requirements, pyproject (extras and dependency groups), setup.cfg/setup.py, tox.ini.
`tools/repo_env.py` turns the plan into an environment."""

from __future__ import annotations

import configparser
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

# What decides a repository's dependencies; any change to these means a new environment.
DEPENDENCY_GLOBS = (
    "uv.lock",
    "poetry.lock",
    "requirements*.txt",
    "requirements/*.txt",
    "*requirements.txt",
    "constraints*.txt",
    "pyproject.toml",
    "setup.cfg",
    "setup.py",
    "tox.ini",
    ".python-version",
)
# Extras and dependency groups whose packages the test suite is assumed to need.
TEST_GROUPS = ("test", "tests", "testing", "dev")
IGNORED_DIRS = {".git", ".hg", ".venv", "venv", ".tox", ".nox", "node_modules", "__pycache__",
                 ".mypy_cache", ".pytest_cache", ".ruff_cache", ".alertfix-worker"}


def dependency_files(repo: Path) -> list[str]:
    """Repository-relative paths of the files that decide the dependencies, sorted."""
    found = {p.relative_to(repo).as_posix() for g in DEPENDENCY_GLOBS for p in repo.glob(g)}
    return sorted(f for f in found if (repo / f).is_file())


def _group_requirements(groups: Mapping[str, object], name: str, seen: set[str]) -> list[str]:
    """A PEP 735 group's requirements, ``{include-group = ...}`` followed."""
    if name in seen:
        return []
    seen.add(name)
    out: list[str] = []
    for item in groups.get(name, []) or []:  # type: ignore[attr-defined]
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, dict) and isinstance(item.get("include-group"), str):
            out += _group_requirements(groups, item["include-group"], seen)
    return out


def pyproject_requirements(text: str) -> list[str]:
    """[project] dependencies plus the test-ish extras and dependency groups."""
    data = tomllib.loads(text)
    project = data.get("project", {})
    reqs = list(project.get("dependencies", []))
    extras = project.get("optional-dependencies", {})
    groups = data.get("dependency-groups", {})
    for name in TEST_GROUPS:
        reqs += extras.get(name, [])
        reqs += _group_requirements(groups, name, set())
    own = str(project.get("name", "")).lower().replace("_", "-")
    # "svc[test]" inside the project's own extras names the project: its deps are listed.
    reqs = [r for r in reqs if not own or re.split(r"[\s\[<>=!~;@]", r, maxsplit=1)[0]
            .lower().replace("_", "-") != own]
    return list(dict.fromkeys(reqs))


def poetry_requirements(text: str) -> list[str]:
    """Every non-optional package of a poetry.lock at its locked version."""
    data = tomllib.loads(text)
    reqs = []
    for package in data.get("package", []):
        if package.get("optional") or not package.get("name"):
            continue
        source = package.get("source") or {}
        if source.get("type") == "directory":
            continue  # a path dependency: usually the project itself
        if source.get("type") in ("git", "url"):
            ref = source.get("resolved_reference") or source.get("reference") or ""
            url = f"git+{source['url']}@{ref}" if source["type"] == "git" else source["url"]
            req = f"{package['name']} @ {url}"
        else:
            req = f"{package['name']}=={package['version']}"
        markers = package.get("markers")
        if isinstance(markers, str) and markers:
            req += f" ; {markers}"
        reqs.append(req)
    return reqs


def setup_cfg_requirements(text: str) -> list[str]:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(text)
    lines = parser.get("options", "install_requires", fallback="").splitlines()
    if parser.has_section("options.extras_require"):
        for name in TEST_GROUPS:
            lines += parser.get("options.extras_require", name, fallback="").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]


def tox_requirements(text: str, src: Path) -> list[str]:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(text)
    deps = parser.get("testenv", "deps", fallback="").splitlines()
    out = []
    for line in deps:
        line = line.split("#", 1)[0].strip().replace("{toxinidir}", str(src))
        if not line or "{" in line:  # other tox substitutions cannot be resolved here
            continue
        if re.match(r"^(\w[\w.-]*:)+\s*", line):  # a factor-conditional line: "py311: x"
            continue
        out.append(line)
    return out


def requirement_files(files: Sequence[str]) -> list[str]:
    return [f for f in files if f.endswith(".txt")
            and ("requirements" in Path(f).name or f.startswith("requirements/"))]


@dataclass
class InstallPlan:
    sources: list[str] = field(default_factory=list)  # what the requirements came from
    requirements: list[str] = field(default_factory=list)  # written to one file
    files: list[str] = field(default_factory=list)  # requirement files passed with -r
    editable: bool = False  # install the project itself (a setup.py says what it needs)
    uv_export: list[str] | None = None  # extras/groups for `uv export` of uv.lock

    @property
    def empty(self) -> bool:
        return not (self.requirements or self.files or self.editable
                    or self.uv_export is not None)


def install_plan(src: Path) -> InstallPlan:
    """What to install for the repository copied at ``src``, in the documented order."""
    files = dependency_files(src)
    plan = InstallPlan()
    pyproject = tomllib.loads((src / "pyproject.toml").read_text()) \
        if "pyproject.toml" in files else {}
    if "uv.lock" in files:
        extras = pyproject.get("project", {}).get("optional-dependencies", {})
        groups = pyproject.get("dependency-groups", {})
        args = [f"--extra={n}" for n in TEST_GROUPS if n in extras]
        args += [f"--group={n}" for n in TEST_GROUPS if n in groups]
        plan.uv_export = args
        plan.sources.append("uv.lock")
        return plan
    if "poetry.lock" in files:
        plan.requirements += poetry_requirements((src / "poetry.lock").read_text())
        plan.sources.append("poetry.lock")
        return plan
    plan.files = [f for f in requirement_files(files) if not f.startswith("constraints")]
    if plan.files:
        plan.sources += plan.files
    if pyproject:
        reqs = pyproject_requirements((src / "pyproject.toml").read_text())
        if reqs:
            plan.requirements += reqs
            plan.sources.append("pyproject.toml")
    if "setup.cfg" in files:
        reqs = setup_cfg_requirements((src / "setup.cfg").read_text())
        if reqs:
            plan.requirements += reqs
            plan.sources.append("setup.cfg")
    if "setup.py" in files and "setup.cfg" not in plan.sources and not pyproject.get(
            "project", {}).get("dependencies"):
        text = (src / "setup.py").read_text(errors="replace")
        if re.search(r"install_requires|extras_require", text):
            plan.editable = True
            plan.sources.append("setup.py")
    if "tox.ini" in files:
        reqs = tox_requirements((src / "tox.ini").read_text(), src)
        if reqs:
            plan.requirements += reqs
            plan.sources.append("tox.ini")
    plan.requirements = list(dict.fromkeys(plan.requirements))
    return plan


