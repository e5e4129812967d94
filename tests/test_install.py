"""Installed as users install it: the wheel, without the dev extras, in a fresh venv, runs
`alertfix demo` and fixes the demo incident.

Offline: the wheel's runtime dependencies come from this environment (each installed
distribution packed back into a wheel), never from an index; the demo's repository
environment is built in a fresh cache with the installed alertfix's own pytest.
"""

from __future__ import annotations

import base64
import configparser
import hashlib
import importlib.metadata
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from tools.repo_env import uv_binary

ROOT = Path(__file__).resolve().parents[1]


def _record_line(path: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{path},sha256={digest},{len(data)}"


def repack(dist: importlib.metadata.Distribution, dest: Path) -> Path:
    """An installed distribution as a wheel again (its files, its WHEEL tags)."""
    name = dist.metadata["Name"].replace("-", "_")
    version = dist.version
    info = next(f for f in dist.files or [] if f.parts[0].endswith(".dist-info")).parts[0]
    wheel_meta = (dist.read_text("WHEEL") or "").splitlines()
    tags = [line.split(":", 1)[1].strip().split("-") for line in wheel_meta
             if line.startswith("Tag:")] or [["py3", "none", "any"]]
    tag = "-".join(".".join(dict.fromkeys(t[i] for t in tags)) for i in range(3))
    entry_points = configparser.ConfigParser(interpolation=None)
    entry_points.read_string(dist.read_text("entry_points.txt") or "")
    generated = set(entry_points["console_scripts"]) if entry_points.has_section(
        "console_scripts") else set()
    wheel = dest / f"{name}-{version}-{tag}.whl"
    record = []
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in dist.files or []:
            source = Path(str(dist.locate_file(file)))
            if file.name == "RECORD" or not source.is_file() or "__pycache__" in file.parts:
                continue
            if file.parts[0] == "..":
                if len(file.parts) != 4 or file.parts[2] != "bin" or file.name in generated:
                    continue  # console scripts are made again from entry_points.txt
                target = f"{name}-{version}.data/scripts/{file.name}"
            else:
                target = file.as_posix()
            data = source.read_bytes()
            archive.writestr(target, data)
            record.append(_record_line(target, data))
        record.append(f"{info}/RECORD,,")
        archive.writestr(f"{info}/RECORD", "\n".join(record) + "\n")
    return wheel


def runtime_closure(name: str) -> list[importlib.metadata.Distribution]:
    """``name``'s runtime requirements (no extras of its own), installed here, recursively."""
    seen: dict[str, importlib.metadata.Distribution] = {}
    todo: list[tuple[str, frozenset[str]]] = [(name, frozenset())]
    while todo:
        current, extras = todo.pop()
        try:
            dist = importlib.metadata.distribution(current)
        except importlib.metadata.PackageNotFoundError:
            continue
        key = dist.metadata["Name"].lower().replace("_", "-")
        first = key not in seen
        seen[key] = dist
        for text in dist.requires or []:
            req = Requirement(text)
            wanted = req.marker is None or any(
                req.marker.evaluate({"extra": e}) for e in ["", *sorted(extras)])
            if wanted and (first or extras):
                todo.append((req.name, frozenset(req.extras)))
    seen.pop("alertfix", None)
    return list(seen.values())


@pytest.mark.slow
def test_the_wheel_installed_without_dev_extras_fixes_the_demo(tmp_path: Path) -> None:
    uv = uv_binary()
    assert uv is not None
    # Build from a copy: the checkout stays as it was (no build/ or egg-info in it).
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT,
                           capture_output=True, text=True, check=True).stdout.splitlines()
    source = tmp_path / "source"
    for rel in files:
        if (ROOT / rel).is_file():
            (source / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / rel, source / rel)
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    # The build backend (setuptools, wheel) from uv's cache; from the index if not there.
    for offline in (["--offline"], []):
        built = subprocess.run([uv, "build", "--wheel", *offline, "--out-dir", str(wheels),
                                str(source)], capture_output=True, text=True, check=False)
        if built.returncode == 0:
            break
    assert built.returncode == 0, built.stderr[-2000:]
    (wheel,) = wheels.glob("alertfix-*.whl")
    for dist in runtime_closure("alertfix"):
        repack(dist, wheels)

    venv = tmp_path / "venv"
    base = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([uv, "venv", "--quiet", "--python", base, str(venv)], check=True)
    installed = subprocess.run(
        [uv, "pip", "install", "--quiet", "--offline", "--no-index", "--find-links",
         str(wheels), "--python", str(venv / "bin" / "python"), str(wheel)],
        capture_output=True, text=True, check=False)
    assert installed.returncode == 0, installed.stderr[-3000:]
    python = str(venv / "bin" / "python")
    check = subprocess.run([python, "-c", "import importlib.util as u; print(bool("
                            "u.find_spec('pytest')), bool(u.find_spec('pytest_timeout')))"],
                           capture_output=True, text=True, check=True)
    assert check.stdout.split() == ["True", "False"]  # pytest is a runtime dependency

    work = tmp_path / "work"
    work.mkdir()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("ALERTFIX_", "PYTEST_", "VIRTUAL_ENV", "PYTHON"))}
    env.update(XDG_CACHE_HOME=str(tmp_path / "cache"), PATH=f"{venv / 'bin'}:{env['PATH']}",
               UV_OFFLINE="1", COLUMNS="200")
    demo = subprocess.run([str(venv / "bin" / "alertfix"), "demo"], cwd=work, env=env,
                          capture_output=True, text=True, timeout=900, check=False)
    output = demo.stdout + demo.stderr
    assert demo.returncode == 0, output[-4000:]
    assert "Ticket AF-1: Done" in output, output[-4000:]
    assert "environment: python" in output  # its own environment, built in the fresh cache
    assert any((tmp_path / "cache" / "alertfix" / "envs").glob("*/.alertfix-ready"))
