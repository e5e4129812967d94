"""The patch check: may this set of file changes be proposed to the repository's owners?

Each rule returns reasons; `check_patch` collects them all, so that the ticket lists every
problem with a candidate at once instead of one per attempt.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

import libcst as cst

from guardrails.dependencies import (
    first_party_roots,
    is_opaque_manifest,
    is_third_party,
    manifest_names,
)
from guardrails.files import ChangedFile, FileChange, prepare
from guardrails.globs import first_match, normalize_path
from guardrails.policy import Policy, policy_verdict
from guardrails.pycode import MODULE
from guardrails.scope import diff_units, in_scope
from guardrails.secrets import find_secrets
from guardrails.untrusted import inline
from guardrails.verdict import Verdict
from guardrails.weakening import swallowed_errors, weakened_tests

__all__ = ["FileChange", "check_patch"]

_CODE_SUFFIXES = (".py", ".js", ".ts", ".tsx", ".jsx", ".go", ".java", ".kt", ".rb", ".rs", ".cs")
_MAX_SECRETS_PER_FILE = 5
_TEST_TOOLS = frozenset({"pytest", "_pytest"})  # a repository with tests has its runner


def _normalize(
    changes: Sequence[FileChange], policy: Policy
) -> tuple[list[ChangedFile], list[str]]:
    files: list[ChangedFile] = []
    reasons: list[str] = []
    seen: set[str] = set()
    for change in changes:
        path = normalize_path(change.path)
        if path is None:
            reasons.append(f"path {inline(change.path)} is outside the repository")
        elif path in seen:
            reasons.append(f"path {inline(path)} appears twice in the patch")
        elif change.before is None and change.after is None:
            reasons.append(f"change to {inline(path)} has neither old nor new content")
        elif change.before != change.after:
            seen.add(path)
            files.append(prepare(FileChange(path, change.before, change.after), policy.test_paths))
    return files, reasons


def _paths(files: list[ChangedFile], policy: Policy) -> list[str]:
    reasons = []
    for item in files:
        # Forbidden paths match case-insensitively: .GitHub/ is .github/ on some filesystems.
        forbidden = first_match(item.path, policy.forbidden_paths, ignore_case=True)
        if forbidden:
            reasons.append(f"path {item.shown} is forbidden by policy ({forbidden})")
        elif first_match(item.path, policy.allowed_paths) is None:
            allowed = ", ".join(policy.allowed_paths) or "none"
            reasons.append(
                f"path {item.shown} is outside the paths policy allows ({allowed})"
            )
    return reasons


def _budget(files: list[ChangedFile], policy: Policy) -> list[str]:
    reasons = []
    if len(files) > policy.max_files:
        reasons.append(
            f"patch changes {len(files)} files; policy allows at most {policy.max_files}"
        )
    added = sum(len(f.line_diff[0]) for f in files)
    removed = sum(f.line_diff[1] for f in files)
    if added + removed > policy.max_lines:
        reasons.append(
            f"patch changes {added + removed} lines (+{added} -{removed}); "
            f"policy allows at most {policy.max_lines}"
        )
    return reasons


def _syntax(files: list[ChangedFile]) -> list[str]:
    return [f"{f.shown} {f.problem} after the patch" for f in files if f.problem]


def _dependencies(
    files: list[ChangedFile],
    scope_paths: Collection[str],
    first_party: Collection[str],
    policy: Policy,
    on_stack: Collection[str] = (),
) -> list[str]:
    if policy.allow_new_dependencies:
        return []
    reasons = []
    rule = "policy does not allow new dependencies"
    for item in files:
        before, after = item.change.before, item.change.after
        try:
            old = manifest_names(item.path, before) if before is not None else set()
            new = manifest_names(item.path, after) if after is not None else set()
        except ValueError:
            reasons.append(f"{item.shown} cannot be parsed (before or after the patch)")
            continue
        if old is not None and new is not None:
            added = sorted(new - old)
            reasons += [f"adds dependency {inline(n)} in {item.shown}; {rule}" for n in added]
        elif is_opaque_manifest(item.path) and item.path not in on_stack:
            reasons.append(f"changes dependency manifest {item.shown}; {rule}")
    # A module some changed file already imported is an existing dependency, wherever it is.
    known = {m for f in files if f.before_facts for m in f.before_facts.imports}
    known |= set(policy.known_first_party) | set(first_party)
    known |= first_party_roots([f.path for f in files] + list(scope_paths))
    for item in files:
        new_facts, old_facts = item.after_facts, item.before_facts
        if new_facts is None:
            continue
        for module in sorted(new_facts.imports - known):
            if is_third_party(module, known) and not (item.is_test and module in _TEST_TOOLS):
                reasons.append(
                    f"{item.shown} imports new third-party module {inline(module)}; {rule}"
                )
        if new_facts.dynamic_imports > (old_facts.dynamic_imports if old_facts else 0):
            reasons.append(f"{item.shown} adds a dynamic import; {rule}")
    return reasons


def _secrets(files: list[ChangedFile]) -> list[str]:
    reasons = []
    for item in files:
        code = item.path.endswith(_CODE_SUFFIXES)
        added = item.line_diff[0]
        found = [(n, f.kind) for n, line in added for f in find_secrets(line, code=code)]
        # The reason names the kind and the line, never the value: it is printed in tickets.
        for lineno, kind in found[:_MAX_SECRETS_PER_FILE]:
            reasons.append(f"adds what looks like a secret ({kind}) at {item.shown}:{lineno}")
        more = len(found) - _MAX_SECRETS_PER_FILE
        if more > 0:
            reasons.append(f"adds {more} more secrets in {item.shown}")
    return reasons


def _out_of_scope(item: ChangedFile, allowed: Sequence[str]) -> str | None:
    """What `item` changes that RCA did not name, as the start of a reason; None if nothing."""
    change, path = item.change, item.shown
    if "*" in allowed:
        return None
    if change.added:
        return None if item.is_test else f"adds {path}"
    if change.deleted:
        return f"deletes {path}"
    if not item.is_python:
        return f"changes {path}"
    try:
        diff = diff_units(change.before or "", change.after or "")
    except (cst.ParserSyntaxError, RecursionError):
        return f"cannot tell which functions {path} changes (libcst cannot parse it)"
    touched = set(diff.modified | diff.removed)
    if not item.is_test:
        touched |= diff.added  # new helpers in application code are outside the fix
    elif diff.module_appended_only:
        touched.discard(MODULE)  # a new constant or fixture for a new test is fine
    outside = sorted(u for u in touched if not in_scope(u, allowed))
    return f"changes {', '.join(inline(u) for u in outside)} in {path}" if outside else None


def _scope(
    files: list[ChangedFile], scope: Mapping[str, Sequence[str]], policy: Policy
) -> list[str]:
    if policy.allow_out_of_scope:
        return []
    named = {normalize_path(p) or p: tuple(names) for p, names in scope.items()}
    reasons = []
    for item in files:
        if item.problem or first_match(item.path, policy.forbidden_paths, ignore_case=True):
            continue  # already denied outright; saying it is also out of scope adds nothing
        allowed = named.get(item.path, ())
        outside = _out_of_scope(item, allowed)
        if outside:
            names = f"only {inline(', '.join(allowed))}" if allowed else "nothing"
            reasons.append(f"{outside}; the root cause names {names} there")
    return reasons


def check_patch(
    changes: list[FileChange],
    policy: Policy,
    scope: Mapping[str, Sequence[str]],
    exception_type: str = "",
    *,
    first_party: Collection[str] = (),
) -> Verdict:
    """Every patch rule at once.

    scope: repository path -> qualified names ("Class.method", or "*" for the whole file) the
    root cause analysis named; new test files and new tests in test files are always in scope.
    exception_type: the error being fixed, so that a handler silencing it is caught.
    first_party: top-level modules of the repository, in addition to those guessed from paths.
    """
    state = policy_verdict(policy)
    if not state:
        return state
    files, reasons = _normalize(changes, policy)
    if not files and not reasons:
        return Verdict.deny("the patch changes nothing")
    reasons += _paths(files, policy)
    reasons += _budget(files, policy)
    reasons += _syntax(files)
    reasons += weakened_tests(files)
    reasons += swallowed_errors(files, exception_type)
    # A file the failing stack ran a named function of is code, not a packaging manifest.
    on_stack = {path for path, functions in scope.items() if set(functions) - {"*"}}
    reasons += _dependencies(files, list(scope), first_party, policy, on_stack)
    reasons += _secrets(files)
    reasons += _scope(files, scope, policy)
    return Verdict.from_reasons(reasons)
