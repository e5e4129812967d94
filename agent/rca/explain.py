"""The root cause in plain words (templated, no model), and links to the forge."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from agent.state import RootCause, Suspect

_WHAT = {
    "bisect": "is where the failing test starts to fail",
    "renames-name-in-error": "renamed the name in the error",
    "crash-line": "changed the crashing line",
    "crash-function": "changed the function that raised",
    "stack-data": "changed module-level data the stack reads",
    "stack-line": "changed a call on the way to the crash",
    "stack-function": "changed a function on the stack",
    "changed-callee": "changed what a function feeding the crashing line returns",
    "tested-function": "changed a function the failing test calls",
    "tested-callee": "changed a function called by the code the failing test runs",
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
    words += _time_words(rc)
    if rc.confirmation:
        words.append(rc.confirmation[0].upper() + rc.confirmation[1:] + ".")
    return " ".join(words)


def _decisive(suspect: Suspect) -> str:
    """The code evidence that counts most for `suspect`, as a clause."""
    if suspect.renames:
        first = suspect.renames[0]
        return f"its diff renames '{first.old}' to '{first.new}' ({first.kind}, {first.path})"
    reasons = [_WHAT[k] for k in _WHAT if k in suspect.kinds and k != "named-word"]
    return f"it {reasons[0]}" if reasons else ""


def _time_words(rc: RootCause) -> list[str]:
    """Which evidence decided the ranking, when time did; the latent-bug case said plainly."""
    if rc.first_seen is None:
        return []
    when = rc.first_seen.strftime("%Y-%m-%d %H:%M UTC")
    running = f"`{rc.running_deploy.name}`" if rc.running_deploy else "the running deploy"
    top = rc.suspects[0] if rc.suspects else None
    if rc.latent:
        if rc.first_seen_known:
            words = [f"Latent bug: the fault was first seen {when} ({rc.first_seen_from}), "
                     f"under {running}, and nothing shipped in the deploy window before it "
                     "touches the failing path: code that was already there met new data or "
                     "configuration."]
        else:
            words = [f"Possibly latent: no first-seen is known, so this event ({when}) stands "
                     f"for the first sighting, and nothing shipped in {running}, the deploy "
                     "running then, touches the failing path: either the fault began before "
                     "this event or code that was already there met new data or "
                     "configuration."]
        if top is not None and not rc.no_culprit_in_history and top.timing:
            words.append(f"`{top.sha[:10]}` ranks first on its code evidence; it {top.timing}.")
        return words
    if top is None or "in-window" not in top.kinds or rc.no_culprit_in_history:
        return []
    seen = (f"first seen {when}, {rc.first_seen_from}" if rc.first_seen_known
            else f"no first-seen known: the event at {when}")
    parts = [f"Ranked first: {top.timing} ({seen})"]
    if decisive := _decisive(top):
        parts.append(decisive)
    clean = next((s for s in rc.suspects[1:] if "ran-clean" in s.kinds), None)
    if clean is not None:
        demoted = ", so it ranks below the window's commits despite a higher score" \
            if clean.score > top.score else ""
        parts.append(f"{clean.deploy or 'an earlier deploy'}'s commit `{clean.sha[:10]}` "
                     f"{clean.timing}{demoted}")
    return ["; ".join(parts) + "."]
