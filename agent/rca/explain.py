"""The root cause in plain words (templated, no model), and links to the forge."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from agent.state import RootCause, Suspect

_WHAT = {
    "bisect": "is where the failing test starts to fail",
    "crash-line": "changed the crashing line",
    "crash-function": "changed the function that raised",
    "stack-data": "changed module-level data the stack reads",
    "stack-line": "changed a call on the way to the crash",
    "stack-function": "changed a function on the stack",
    "named-value": "changed code naming the value in the error",
    "named-word": "mentioned the value in the error",
}


def web_url(clone_url: str) -> str:
    """The forge's web address of a repository from its clone URL (credentials dropped), or
    "" when it is not a web forge (a local path)."""
    parts = urlsplit(clone_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    host = parts.hostname + (f":{parts.port}" if parts.port else "")
    path = parts.path.removesuffix("/").removesuffix(".git")
    return urlunsplit((parts.scheme, host, path, "", ""))


def link(suspect: Suspect, web: str) -> Suspect:
    """`suspect` with its commit and pull-request URLs set when `web` is known."""
    if not web:
        return suspect
    update = {"url": f"{web}/commit/{suspect.sha}"}
    if suspect.pull_request is not None:
        update["pull_request_url"] = f"{web}/pull/{suspect.pull_request}"
    return suspect.model_copy(update=update)


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _who(suspect: Suspect) -> str:
    return suspect.author.split(" <")[0]


def explain(rc: RootCause, exception_type: str, failing: list[str] | None = None) -> str:
    """Two to four sentences: what fails where, which change did it and why we think so."""
    words = []
    loc = rc.location
    if failing:
        words.append(f"The check fails: {', '.join(f'`{t}`' for t in failing[:3])}"
                     + (f" (and {len(failing) - 3} more)" if len(failing) > 3 else "") + ".")
    if loc is not None:
        what = f"`{exception_type}` is raised" if exception_type and not failing else \
            "The faulty code is"
        words.append(f"{what} in `{loc.function}` ({loc.path}:{loc.line}).")
    if rc.no_culprit_in_history:
        words.append("No commit in the repository's history explains it: the code involved "
                     "has been this way since the first commit alertfix can see, so the fault "
                     "predates the history (or came from data or configuration, not code). "
                     "The commits below are listed for reference, not blamed.")
    elif rc.suspects:
        top = rc.suspects[0]
        reasons = [_WHAT[k] for k in _WHAT if k in top.kinds]
        via = f" through PR #{top.pull_request}" if top.pull_request is not None else ""
        shipped = f", shipped in {top.deploy}" if top.deploy else ""
        words.append(f"The most likely cause is `{top.sha[:10]}` \"{top.summary}\" "
                     f"({_who(top)}, {top.date[:10]}{via}{shipped})"
                     + (f": it {_join(reasons)}." if reasons else "."))
    else:
        words.append("No commit could be tied to it.")
    if rc.confirmation:
        words.append(rc.confirmation[0].upper() + rc.confirmation[1:] + ".")
    return " ".join(words)
