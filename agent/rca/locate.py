"""Stack frames → repository files and functions.

Frames arrive with deploy paths (`/srv/app/shop/cart.py`), site-packages paths, or only a
module name. Configured prefixes are stripped first; a suffix match over the repository's
files is the fallback. Frames that match no file are library frames.
"""

from __future__ import annotations

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


def map_frame(frame: Frame, files: set[str], prefixes: list[str]) -> str | None:
    """The repository path of `frame`'s file, or None for a frame outside the repository."""
    candidates = _candidates(frame, prefixes)
    for path in candidates:
        if path in files:
            return path
    if "site-packages/" in (frame.abs_path or "") or "dist-packages/" in (frame.abs_path or ""):
        return None
    # Longest unique suffix match: /deploy/root/shop/cart.py → shop/cart.py.
    for path in candidates:
        parts = PurePosixPath(path).parts
        for start in range(len(parts)):
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
