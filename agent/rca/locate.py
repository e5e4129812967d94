"""Stack frames → repository files and functions.

Frames arrive with deploy paths (`/srv/app/shop/cart.py`), site-packages paths, or only a
module name. Configured prefixes are stripped first; a suffix match over the repository's
files is the fallback. A site-packages path is the service's own code only when what follows
`site-packages/` is a file of the repository (installed as a package, also from a `src/`
layout); it never goes through the suffix match, so `requests/utils.py` cannot become the
repository's `app/utils.py`. Frames that match no file are library frames.

A frame whose `context_line` differs from that line of the file being read is stale: the
running code is not the code the agent is reading (wrong release, a hotfix, local edits).
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from tools.ports import Frame


def _candidates(frame: Frame, prefixes: list[str]) -> list[str]:
    paths = []
    for raw in (frame.abs_path, frame.filename):
        if not raw:
            continue
        raw = raw.replace("\\", "/")
        for prefix in prefixes:
            if prefix and raw.startswith(prefix):
                paths.append(raw[len(prefix):].lstrip("/"))
        paths.append(raw.lstrip("./"))
    if frame.module:
        dotted = frame.module.replace(".", "/")
        paths += [f"{dotted}.py", f"{dotted}/__init__.py"]
    return paths


_INSTALLED = re.compile(r"(?:^|/)(?:site|dist)-packages/(.+)$")
_STDLIB = re.compile(r"/lib/python\d(?:\.\d+)?/(?!(?:site|dist)-packages/)")


def _installed_path(frame: Frame, files: set[str]) -> str | None:
    """For a frame in site-packages: the repository file it was installed from, if any."""
    for raw in (frame.abs_path, frame.filename):
        match = _INSTALLED.search((raw or "").replace("\\", "/"))
        if match:
            for path in (match.group(1), f"src/{match.group(1)}"):
                if path in files:
                    return path
    return None


def map_frame(frame: Frame, files: set[str], prefixes: list[str]) -> str | None:
    """The repository path of `frame`'s file, or None for a frame outside the repository."""
    if _INSTALLED.search((frame.abs_path or frame.filename or "").replace("\\", "/")):
        return _installed_path(frame, files)
    candidates = _candidates(frame, prefixes)
    for path in candidates:
        if path in files or f"src/{path}" in files:
            return path if path in files else f"src/{path}"
    if _STDLIB.search(frame.abs_path or frame.filename or "") or (
            frame.abs_path or frame.filename or "").startswith("<"):
        return None  # the standard library, or code with no file (<frozen os>, <string>)
    # Longest unique suffix match: /deploy/root/shop/cart.py → shop/cart.py. Paths only (a
    # module name was tried exactly above), and never the bare file name: "os/__init__.py"
    # must not become the repository's only __init__.py.
    for path in _candidates(frame.model_copy(update={"module": ""}), prefixes):
        parts = PurePosixPath(path).parts
        for start in range(max(len(parts) - 1, 1)):
            suffix = "/".join(parts[start:])
            matches = [f for f in files if f == suffix or f.endswith("/" + suffix)]
            if len(matches) == 1:
                return matches[0]
            if len(matches) > 1:
                break  # ambiguous at this length: a longer suffix was already tried
    return None


def map_frames(frames: list[Frame], files: set[str], prefixes: list[str]) -> list[Frame]:
    """Frames with `repo_path` set; those outside the repository are marked not in-app."""
    mapped = []
    for frame in frames:
        path = map_frame(frame, files, prefixes)
        mapped.append(frame.model_copy(update={"repo_path": path,
                                               "in_app": frame.in_app and path is not None}))
    return mapped


def context_matches(frame: Frame, source: str | None) -> bool | None:
    """Whether the frame's `context_line` is that line of `source`; None when unknown."""
    if frame.context_line is None or source is None or not frame.lineno:
        return None
    lines = source.splitlines()
    if not 0 < frame.lineno <= len(lines):
        return False
    return frame.context_line.strip() == lines[frame.lineno - 1].strip()

