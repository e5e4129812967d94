"""The oracles' eyes inside the sandbox: what a function returned, as a JSON-able form.

Runs in the repository's interpreter and needs only the standard library (and pytest, for
the plugin). The host writes this file's text into the worktree as `_alertfix_oracle/probe.py`
and uses it two ways:

- `python -c <this text> probe <spec.json>`: run each call of the spec (a small script that
  imports the function and sets `__result__`) twice and write, per call, the result's form
  each time or the exception it raised. The differential oracle runs it at the culprit's
  parent and the base.
- `pytest -p _alertfix_oracle.probe ...`: record every call of the functions named in
  `_alertfix_oracle/config.json` (path and qualified name) made while the tests run: its
  arguments' form at the call, its result's form at the return (or that it raised), and the
  test it ran in. Behaviour preservation compares these at the base and for a candidate.

A form is: None, a bool, an int, a finite float, a str; `{"list"|"tuple"|"set": [...]}`;
`{"dict": [[key, value], ...]}` sorted by key; `{"object": "mod.Class", "attrs": {...}}` for
objects with public attributes; `{"repr": text, "import": line}` for dates, times and
Decimals (and `{"repr": text}` for other objects whose repr has no address); otherwise
`{"opaque": "mod.Class"}`, which is never compared.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import sys
from typing import Any

DIR = "_alertfix_oracle"
MAX_ITEMS = 200
MAX_DEPTH = 8
MAX_CALLS = 500  # per function and run
MAX_ARGS_CHARS, MAX_RESULT_CHARS = 5_000, 20_000  # larger inputs are skipped, not compared
_STDLIB = {"decimal.Decimal": "from decimal import Decimal", "datetime.date": "import datetime",
           "datetime.datetime": "import datetime", "datetime.time": "import datetime",
           "datetime.timedelta": "import datetime"}
_ASYNC_OR_GENERATOR = 0x20 | 0x80 | 0x100 | 0x200


def _type_name(value: Any) -> str:
    kind = type(value)
    return f"{kind.__module__}.{kind.__qualname__}"


def form(value: Any, depth: int = 0) -> Any:
    """`value` as a JSON-able structure (see the module's docstring)."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return value if type(value) is int else {"repr": repr(value)}  # an IntEnum, say
    if isinstance(value, float):
        return value if value == value and abs(value) != float("inf") else {"opaque": "float"}
    if depth >= MAX_DEPTH:
        return {"opaque": _type_name(value)}
    name = _type_name(value)
    if name in _STDLIB:
        return {"repr": repr(value), "import": _STDLIB[name]}
    if isinstance(value, list | tuple | set | frozenset):
        if len(value) > MAX_ITEMS:
            return {"opaque": name}
        items = [form(v, depth + 1) for v in value]
        if isinstance(value, set | frozenset):
            return {"set": sorted(items, key=lambda i: json.dumps(i, sort_keys=True))}
        return {"tuple" if isinstance(value, tuple) else "list": items}
    if isinstance(value, dict):
        if len(value) > MAX_ITEMS:
            return {"opaque": name}
        pairs = [[form(k, depth + 1), form(v, depth + 1)] for k, v in value.items()]
        return {"dict": sorted(pairs, key=lambda p: json.dumps(p[0], sort_keys=True))}
    attrs = _attributes(value)
    if attrs is not None:
        return {"object": name, "attrs": {k: form(v, depth + 1) for k, v in attrs.items()}}
    try:
        text = repr(value)
    except Exception:
        return {"opaque": name}
    if " at 0x" in text or len(text) > 2000:
        return {"opaque": name}
    return {"repr": text}


def _attributes(value: Any) -> dict[str, Any] | None:
    """An object's public data attributes, or None when it has none to show."""
    if isinstance(value, type) or callable(value):
        return None
    if dataclasses.is_dataclass(value):
        return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)
                if not f.name.startswith("_") and hasattr(value, f.name)}
    names = list(getattr(value, "__dict__", {}) or {})
    for cls in type(value).__mro__:
        slots = cls.__dict__.get("__slots__", ())
        names += [slots] if isinstance(slots, str) else list(slots)
    found = {n: getattr(value, n) for n in names
             if not n.startswith("_") and hasattr(value, n) and not callable(getattr(value, n))}
    return found or None


def _opaque(shape: Any) -> bool:
    if isinstance(shape, dict):
        return "opaque" in shape or any(_opaque(v) for v in shape.values())
    if isinstance(shape, list):
        return any(_opaque(v) for v in shape)
    return False


# -- probe mode: python -c <this text> probe <spec.json>

def probe(spec_path: str) -> None:
    root = os.path.realpath(os.getcwd())
    sys.path[:0] = [root, *([os.path.join(root, "src")] if os.path.isdir("src") else [])]
    with open(spec_path) as f:
        spec = json.load(f)
    answers = {}
    for call in spec["calls"]:
        answer: dict[str, Any] = {}
        for field in ("result", "again"):  # twice: what differs is a clock, a counter, an id
            space: dict[str, Any] = {}
            try:
                exec(compile(call["script"], "<alertfix probe>", "exec"), space)
                answer[field] = form(space["__result__"])
            except BaseException as exc:  # what the call raised is the answer
                answer.setdefault("raised", type(exc).__name__)
                answer.setdefault("message", str(exc)[:300])
                break
        answers[call["id"]] = answer
    with open(spec["out"], "w") as f:
        json.dump(answers, f)


# -- plugin mode: pytest -p _alertfix_oracle.probe

class _Recorder:
    def __init__(self, root: str, targets: set[tuple[str, str]], out: str) -> None:
        self.root, self.targets, self.out = root, targets, out
        self.keys: dict[Any, str | None] = {}
        self.counts: dict[str, int] = {}
        self.calls: list[dict[str, Any]] = []
        self.test = ""

    def _key(self, code: Any) -> str | None:
        if code.co_flags & _ASYNC_OR_GENERATOR:
            return None
        path = os.path.realpath(os.path.join(self.root, code.co_filename))
        if not path.startswith(self.root + os.sep):
            return None
        rel = os.path.relpath(path, self.root).replace(os.sep, "/")
        qualname = getattr(code, "co_qualname", code.co_name)
        return f"{rel}::{qualname}" if (rel, qualname) in self.targets else None

    def trace(self, frame: Any, event: str, arg: Any) -> Any:
        code = frame.f_code
        try:
            key = self.keys[code]
        except KeyError:
            key = self.keys[code] = self._key(code)
        if not key or self.counts.get(key, 0) >= MAX_CALLS:
            return None
        self.counts[key] = self.counts.get(key, 0) + 1
        frame.f_trace_lines = False
        count = code.co_argcount + code.co_kwonlyargcount + bool(code.co_flags & 0x04) + bool(
            code.co_flags & 0x08)
        local = frame.f_locals
        args = {n: form(local[n]) for n in code.co_varnames[:count] if n in local}
        text: str | None = json.dumps(args, sort_keys=True)
        if _opaque(args) or len(text or "") > MAX_ARGS_CHARS:
            text = None  # an input that cannot be told apart from another is not compared
        raised = [False]
        test = self.test

        def on(frame: Any, event: str, arg: Any) -> Any:
            if event == "exception":
                raised[0] = True
            elif event == "return":
                result = {"raised": True} if raised[0] and arg is None else form(arg)
                if len(json.dumps(result)) > MAX_RESULT_CHARS:
                    result = {"opaque": "a result too large to keep"}
                self.calls.append({"test": test, "function": key, "args": text,
                                   "result": result})
            return on

        return on

    def save(self) -> None:
        with open(self.out, "w") as f:
            json.dump({"calls": self.calls}, f)


_recorder: _Recorder | None = None


def pytest_configure(config: Any) -> None:
    global _recorder
    root = os.path.realpath(os.getcwd())
    with contextlib.suppress(OSError, ValueError, KeyError):
        with open(os.path.join(root, DIR, "config.json")) as f:
            conf = json.load(f)
        targets = {(path, name) for path, name in conf["functions"]}
        _recorder = _Recorder(root, targets, os.path.join(root, conf["out"]))


def _hookwrapper(function: Any) -> Any:
    if __name__ == "__main__":  # probe mode needs no pytest
        return function
    import pytest

    return pytest.hookimpl(hookwrapper=True)(function)


def _traced(item: Any) -> Any:
    """Trace the calls made while the test's setup or body runs (not pytest's own work)."""
    if _recorder is None:
        yield
        return
    _recorder.test = item.nodeid
    previous = sys.gettrace()
    sys.settrace(_recorder.trace)
    try:
        yield
    finally:
        sys.settrace(previous)


@_hookwrapper
def pytest_runtest_setup(item: Any) -> Any:
    yield from _traced(item)


@_hookwrapper
def pytest_runtest_call(item: Any) -> Any:
    yield from _traced(item)


def pytest_unconfigure(config: Any) -> None:
    if _recorder is not None:
        _recorder.save()


if __name__ == "__main__" and sys.argv[1:2] == ["probe"]:
    probe(sys.argv[2])
