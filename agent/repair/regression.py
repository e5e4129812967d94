"""A regression test written from the event: call the crashing function with the arguments
Sentry captured in its frame `vars`, and expect no exception.

Frame values arrive serialised by the SDK: strings as their repr (`"'gold'"`), numbers, None
and booleans as JSON, containers as JSON with the same rules inside. Only values that
round-trip to Python literals are used; an object's repr (`<Cart at 0x...>`) is not a value.
"""

from __future__ import annotations

import ast
import re
from pathlib import PurePosixPath
from typing import Any

from agent.state import RegressionTest
from tools import code_index
from tools.ports import Alert, Frame

_UNKNOWN = object()
_TRIMMED = re.compile(r"\.\.\.$|^\[Filtered\]$")


def literal_value(value: Any) -> Any:
    """The Python value behind one serialised frame var, or _UNKNOWN."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        if _TRIMMED.search(value):
            return _UNKNOWN
        try:
            parsed = ast.literal_eval(value)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            return _UNKNOWN
        return parsed
    if isinstance(value, list):
        items = [literal_value(v) for v in value]
        return _UNKNOWN if any(i is _UNKNOWN for i in items) else items
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            parsed_item = literal_value(item)
            if parsed_item is _UNKNOWN:
                return _UNKNOWN
            out[key] = parsed_item
        return out
    return _UNKNOWN


def module_name(repo_path: str) -> str | None:
    path = PurePosixPath(repo_path)
    if path.suffix != ".py":
        return None
    parts = list(path.with_suffix("").parts)
    if parts and parts[0] == "src":
        parts = parts[1:]
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    if not parts or not all(p.isidentifier() for p in parts):
        return None
    return ".".join(parts)


def _call_arguments(frame: Frame, source: str) -> tuple[str, dict[str, Any]] | None:
    """The function's name and its captured arguments, when the call can be replayed."""
    assert frame.lineno is not None
    symbol = code_index.function_at(source, frame.lineno)
    if symbol is None or "." in symbol.qualname or not symbol.params:
        return None  # methods and nested functions need an object or closure we do not have
    arguments = {}
    for name in symbol.params:
        if name not in frame.vars:
            return None
        value = literal_value(frame.vars[name])
        if value is _UNKNOWN:
            return None
        arguments[name] = value
    return symbol.qualname, arguments


def write_regression_test(alert: Alert, frames: list[Frame], sources: dict[str, str],
                          test_dir: str, ticket_key: str) -> RegressionTest | None:
    """A pytest module replaying the deepest in-app call whose arguments were all captured."""
    for frame in reversed([f for f in frames if f.in_app and f.repo_path and f.lineno]):
        assert frame.repo_path is not None
        module = module_name(frame.repo_path)
        source = sources.get(frame.repo_path)
        if module is None or source is None:
            continue
        call = _call_arguments(frame, source)
        if call is None:
            continue
        function, arguments = call
        slug = re.sub(r"[^a-z0-9]+", "_", ticket_key.lower()).strip("_")
        test_name = f"test_{function}_does_not_raise_{alert.exception_type.lower() or 'error'}"
        args = ", ".join(f"{k}={v!r}" for k, v in arguments.items())
        body = (
            f'"""Regression test for {ticket_key}, written by alertfix from the event.\n\n'
            f"Replays the call that raised {alert.exception_type} in production, with the\n"
            f'arguments the error report captured."""\n\n'
            f"from {module} import {function}\n\n\n"
            f"def {test_name}() -> None:\n"
            f"    {function}({args})\n"
        )
        path = f"{test_dir}/test_alertfix_{slug}.py" if test_dir else f"test_alertfix_{slug}.py"
        return RegressionTest(
            path=path, source=body, nodeid=f"{path}::{test_name}",
            description=f"calls `{module}.{function}` with the arguments captured when "
                        f"{alert.exception_type} was raised")
    return None
