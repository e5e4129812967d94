"""The repair engine's input, built from what RCA found: the faulty function, the functions
on the stack above it, the culprit commit file by file, and the repository's other modules."""

from __future__ import annotations

import git

from agent.repair.base import CulpritChange, RepairInput
from agent.state import RootCause
from tools import code_index, vcs
from tools.ports import Alert

MAX_SOURCES = 400  # modules read for names and imports; a larger repository gets the first


def _culprit(repo: git.Repo, rc: RootCause) -> CulpritChange | None:
    if not rc.suspects:
        return None
    top = rc.suspects[0]
    parent = vcs.resolve(repo, f"{top.sha}^")
    files: dict[str, tuple[str | None, str | None, str | None]] = {}
    for path in vcs.changed_files(repo, top.sha):
        files[path] = (vcs.show_file(repo, parent, path) if parent else None,
                       vcs.show_file(repo, top.sha, path), vcs.show_file(repo, rc.base_sha, path))
    return CulpritChange(sha=top.sha, summary=top.summary, files=files)


def build_input(repo: git.Repo, rc: RootCause, alert: Alert) -> RepairInput | None:
    """The crash function's input with its callers; None when RCA located nothing."""
    loc = rc.location
    if loc is None:
        return None
    sources: dict[str, str] = {}
    for path in vcs.list_files(repo, rc.base_sha):
        if path.endswith(".py") and len(sources) < MAX_SOURCES:
            sources[path] = vcs.show_file(repo, rc.base_sha, path) or ""
    source = sources.get(loc.path) or vcs.show_file(repo, rc.base_sha, loc.path) or ""
    culprit = _culprit(repo, rc)
    common = {"exception_type": rc.exception_type or alert.exception_type,
              "exception_message": rc.exception_message or alert.exception_message,
              "culprit": culprit,
              "repo_sources": sources}
    callers: list[RepairInput] = []
    in_app = [f for f in rc.frames if f.in_app and f.repo_path and f.lineno]
    crash_seen = False
    for frame in reversed(in_app):
        assert frame.repo_path is not None and frame.lineno is not None
        if not crash_seen:
            if frame.repo_path == loc.path and frame.lineno == loc.line:
                crash_seen = True
            continue
        text = sources.get(frame.repo_path)
        symbol = code_index.function_at(text, frame.lineno) if text else None
        if text is None or symbol is None:
            continue
        if frame.repo_path == loc.path and symbol.start_line == loc.function_start:
            continue  # a generator expression's frame inside the same function
        callers.append(RepairInput(
            path=frame.repo_path, source=text, function=symbol.qualname,
            function_start=symbol.start_line, function_end=symbol.end_line,
            line=frame.lineno, **common))  # type: ignore[arg-type]
    return RepairInput(path=loc.path, source=source, function=loc.function,
                       function_start=loc.function_start, function_end=loc.function_end,
                       line=loc.line, callers=tuple(callers), **common)  # type: ignore[arg-type]
