"""A regression test written from the event: call the crashing function with the arguments
Sentry captured in its frame `vars` (or the values a PagerDuty traceback carried, once
parsed into the same `vars`), and expect no exception; when the caller's frame shows what
type the result had (`total = apply_coupon(total, code)` with `total` a float), expect that
type too. A function without parameters is replayed as is. This is the fallback: where the
culprit's parent returned a value for the same call, agent.repair.oracle writes a test that
expects it instead; `RegressionTest.oracle_strength` says which the test is.

Frame values arrive serialised by the SDK: strings as their repr (`"'gold'"`), numbers, None
and booleans as JSON, containers as JSON with the same rules inside, other objects as their
repr. A value is rebuilt when its text is a literal, a date, time or Decimal repr
(`datetime.date(2026, 11, 1)`), or a call of a class the module defines or imports with
rebuildable arguments (a dataclass's repr, `Item(sku='A', qty=2)`); `<Cart at 0x...>` is not.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
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


_STDLIB_CALLS = {
    "datetime.date": "import datetime", "datetime.datetime": "import datetime",
    "datetime.time": "import datetime", "datetime.timedelta": "import datetime",
    "datetime.timezone": "import datetime", "datetime.timezone.utc": "import datetime",
    "Decimal": "from decimal import Decimal", "decimal.Decimal": "import decimal",
}


@dataclass
class Rebuilt:
    """An argument as source text, with what the test must import for it."""

    text: str
    imports: set[str] = field(default_factory=set)  # stdlib import lines
    names: set[str] = field(default_factory=set)  # classes imported from the module


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = _dotted(node.value)
        return f"{inner}.{node.attr}" if inner else None
    return None


def _allowed(node: ast.expr, classes: set[str], out: Rebuilt) -> bool:
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        return _allowed(node.operand, classes, out)
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return all(_allowed(e, classes, out) for e in node.elts)
    if isinstance(node, ast.Dict):
        return all(k is not None and _allowed(k, classes, out) for k in node.keys) and all(
            _allowed(v, classes, out) for v in node.values)
    dotted = _dotted(node)
    if dotted in _STDLIB_CALLS:
        out.imports.add(_STDLIB_CALLS[dotted])
        return True
    if isinstance(node, ast.Call):
        name = _dotted(node.func)
        if name in _STDLIB_CALLS:
            out.imports.add(_STDLIB_CALLS[name])
        elif name in classes:
            out.names.add(name)
        else:
            return False
        return all(_allowed(a, classes, out) for a in node.args) and all(
            k.arg is not None and _allowed(k.value, classes, out) for k in node.keywords)
    return False


def rebuild(value: Any, classes: set[str]) -> Rebuilt | None:
    """One serialised frame var as source text, or None when it cannot be rebuilt."""
    if value is None or isinstance(value, bool | int | float):
        return Rebuilt(repr(value))
    if isinstance(value, str):
        if _TRIMMED.search(value):
            return None
        try:
            tree = ast.parse(value.strip(), mode="eval")
        except (SyntaxError, ValueError, MemoryError, RecursionError):
            return None
        out = Rebuilt(value.strip())
        return out if _allowed(tree.body, classes, out) else None
    parts: list[Rebuilt | None]
    if isinstance(value, list):
        parts = [rebuild(v, classes) for v in value]
        texts = ", ".join(p.text for p in parts if p)
        joined = Rebuilt(f"[{texts}]")
    elif isinstance(value, dict):
        parts = [rebuild(v, classes) for v in value.values()]
        texts = ", ".join(f"{k!r}: {p.text}" for k, p in zip(value, parts, strict=True) if p)
        joined = Rebuilt("{" + texts + "}")
    else:
        return None
    if any(p is None for p in parts):
        return None
    for part in parts:
        assert part is not None
        joined.imports |= part.imports
        joined.names |= part.names
    return joined


def module_classes(source: str) -> set[str]:
    """Classes a module defines or imports by name: what an object's repr may call."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    names = set()
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.ImportFrom):
            names |= {a.asname or a.name for a in node.names if (a.asname or a.name)[:1].isupper()}
    return names


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


def test_dir(files: list[str]) -> str:
    """Where the repository keeps its tests, so the new one sits beside them."""
    for candidate in ("tests", "test"):
        if any(f.startswith(candidate + "/") for f in files):
            return candidate
    return ""


def _call_arguments(frame: Frame, source: str) -> tuple[str, dict[str, Rebuilt]] | None:
    """The function's name and its captured arguments, when the call can be replayed."""
    assert frame.lineno is not None
    symbol = code_index.function_at(source, frame.lineno)
    if symbol is None or "." in symbol.qualname:
        return None  # methods and nested functions need an object or closure we do not have
    if frame.function and frame.function != symbol.qualname.split(".")[-1]:
        return None  # a comprehension's frame (`<genexpr>`) holds its own variables
    classes = module_classes(source)
    arguments = {}
    for name in symbol.params:
        if name not in frame.vars:
            return None
        value = rebuild(frame.vars[name], classes)
        if value is None:
            return None
        arguments[name] = value
    return symbol.qualname, arguments


def _call_in_caller(frame: Frame, caller: Frame | None,
                    source: str) -> tuple[str, dict[str, Rebuilt]] | None:
    """The arguments written in the caller's line, when they are literals: a traceback (no
    frame vars) still shows `return sync({"SKU-1": 3.0})`."""
    if caller is None or not caller.context_line or frame.lineno is None:
        return None
    symbol = code_index.function_at(source, frame.lineno)
    if symbol is None or "." in symbol.qualname or frame.function != symbol.qualname:
        return None
    line = caller.context_line.strip()
    for text in (line, line.removeprefix("return "), f"({line})"):
        try:
            tree = ast.parse(text)
            break
        except SyntaxError:
            continue
    else:
        return None
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)
             and (_dotted(n.func) or "").split(".")[-1] == symbol.qualname]
    if len(calls) != 1 or len(calls[0].args) > len(symbol.params):
        return None
    call, classes = calls[0], module_classes(source)
    arguments: dict[str, Rebuilt] = {}
    named = [*zip(symbol.params, call.args, strict=False),
             *((k.arg, k.value) for k in call.keywords)]
    for name, node in named:
        rebuilt = Rebuilt(ast.unparse(node))
        if name is None or isinstance(node, ast.Starred) or not _allowed(node, classes, rebuilt):
            return None
        arguments[name] = rebuilt
    return symbol.qualname, arguments


_TYPE_NAMES = {bool: "bool", int: "(int, float)", float: "(int, float)", str: "str",
               list: "list", dict: "dict", tuple: "tuple"}


def result_type(caller: Frame | None, function: str) -> str:
    """The result's type as the caller's frame shows it, as an isinstance() argument, or ""."""
    if caller is None or not caller.context_line:
        return ""
    match = re.match(rf"\s*(\w+)\s*=\s*(?:\w+\.)*{re.escape(function)}\(", caller.context_line)
    if not match or match.group(1) not in caller.vars:
        return ""
    value = literal_value(caller.vars[match.group(1)])
    return _TYPE_NAMES.get(type(value), "") if value is not _UNKNOWN else ""


@dataclass
class ReplayCall:
    """One in-app call of the stack whose arguments can be rebuilt: what a test replays."""

    module: str
    function: str
    arguments: dict[str, Rebuilt]
    caller: Frame | None

    @property
    def args(self) -> str:
        return ", ".join(f"{k}={v.text}" for k, v in self.arguments.items())

    @property
    def imports(self) -> list[str]:
        return sorted(set().union(*(v.imports for v in self.arguments.values())))

    @property
    def names(self) -> list[str]:
        return sorted({self.function}.union(*(v.names for v in self.arguments.values())))

    def header(self) -> str:
        """The test module's import lines for this call."""
        return ("".join(f"{line}\n" for line in self.imports)
                + f"from {self.module} import {', '.join(self.names)}\n")

    def script(self) -> str:
        """The call as a script setting `__result__` (what the probe runs)."""
        return self.header() + f"__result__ = {self.function}({self.args})\n"


def replayable_calls(frames: list[Frame], sources: dict[str, str]) -> list[ReplayCall]:
    """The in-app calls whose arguments were captured (or written literally in the caller's
    line), deepest first."""
    in_app = [f for f in frames if f.in_app and f.repo_path and f.lineno]
    found = []
    for depth in range(len(in_app) - 1, -1, -1):
        frame = in_app[depth]
        assert frame.repo_path is not None
        module = module_name(frame.repo_path)
        source = sources.get(frame.repo_path)
        if module is None or source is None:
            continue
        caller = in_app[depth - 1] if depth > 0 else None
        call = _call_arguments(frame, source) or _call_in_caller(frame, caller, source)
        if call is not None:
            found.append(ReplayCall(module, call[0], call[1], caller))
    return found


def test_path(test_dir: str, ticket_key: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "_", ticket_key.lower()).strip("_")
    return f"{test_dir}/test_alertfix_{slug}.py" if test_dir else f"test_alertfix_{slug}.py"


def write_regression_test(alert: Alert, frames: list[Frame], sources: dict[str, str],
                          test_dir: str, ticket_key: str,
                          no_value: str = "") -> RegressionTest | None:
    """A pytest module replaying the deepest in-app call whose arguments were all captured,
    checking it does not raise (and the result's type, when the caller's frame showed it).
    `no_value` says why the test cannot assert the value (see agent.repair.oracle)."""
    calls = replayable_calls(frames, sources)
    if not calls:
        return None
    call = calls[0]
    expected = result_type(call.caller, call.function)
    test_name = (f"test_{call.function}_does_not_raise_"
                 f"{alert.exception_type.lower() or 'error'}")
    check = (f"    result = {call.function}({call.args})\n"
             f"    assert isinstance(result, {expected})\n") if expected else (
             f"    {call.function}({call.args})\n")
    weaker = f"\n\nIt does not check the value returned: {no_value}." if no_value else ""
    body = (
        f'"""Regression test for {ticket_key}, written by alertfix from the event.\n\n'
        f"Replays the call that raised {alert.exception_type} in production, with the\n"
        f'arguments the error report captured.{weaker}"""\n\n'
        + "".join(f"{line}\n" for line in call.imports) + ("\n" if call.imports else "")
        + f"from {call.module} import {', '.join(call.names)}\n\n\n"
        f"def {test_name}() -> None:\n"
        + check
    )
    path = test_path(test_dir, ticket_key)
    shown = f" and returns a {expected.strip('()')}" if expected else ""
    why = f" (not the value: {no_value})" if no_value else ""
    return RegressionTest(
        path=path, source=body, nodeid=f"{path}::{test_name}", asserts_type=expected,
        oracle_strength="type only" if expected else "no-raise only",
        description=f"calls `{call.module}.{call.function}` with the arguments captured when "
                    f"{alert.exception_type} was raised, and checks it no longer raises"
                    f"{shown}{why}")
