"""Facts about one Python file that the patch checks compare before and after a change.

Everything is keyed by qualified name ("Class.method") so that moving code around a file does
not look like a change, and compared as multisets so that adding is never mistaken for removing.
"""

from __future__ import annotations

import ast
import builtins
import warnings
from collections import Counter
from dataclasses import dataclass, field

MODULE = "module level"

_SKIP_NAMES = frozenset({
    "skip", "skipif", "xfail", "skipIf", "skipUnless", "expectedFailure", "skipTest",
    "importorskip", "SkipTest",
})  # fmt: skip
_EXPECT_CALLS = frozenset({"raises", "warns", "deprecated_call", "fail", "assertRaises",
                           "assertRaisesRegex", "assertWarns", "assertLogs"})  # fmt: skip
_BROAD = frozenset({"Exception", "BaseException"})
_SUPPRESS = frozenset({"suppress"})


@dataclass(frozen=True)
class Handler:
    scope: str
    caught: str  # source of what is caught: "Exception", "(KeyError, ValueError)", "" for bare
    names: frozenset[str]
    lineno: int
    reraises: bool
    trivial: bool  # body only pass / ... / continue / return None

    @property
    def key(self) -> tuple[str, str, bool]:
        return (self.scope, self.caught, self.reraises)

    def describe(self) -> str:
        if self.caught.startswith("suppress("):
            return self.caught
        return f"except {self.caught}:" if self.caught else "except:"


@dataclass
class PyFacts:
    tests: dict[str, Counter[str]] = field(default_factory=dict)  # test -> its assertions
    skips: Counter[tuple[str, str]] = field(default_factory=Counter)  # (scope, marker)
    handlers: list[Handler] = field(default_factory=list)
    imports: set[str] = field(default_factory=set)  # roots of absolute imports
    dynamic_imports: int = 0
    hooks: set[str] = field(default_factory=set)  # pytest_* hooks and collect_ignore


def dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{dotted(node.value)}.{node.attr}"
    if isinstance(node, ast.Call):
        return dotted(node.func)
    return ""


def _is_test(name: str) -> bool:
    return name.startswith("test")


def _is_assertion(node: ast.AST) -> bool:
    if isinstance(node, ast.Assert):
        return True
    if isinstance(node, ast.Call):
        last = dotted(node.func).rsplit(".", 1)[-1]
        return last.startswith("assert") or last in _EXPECT_CALLS
    return False


def _assertion_text(node: ast.AST) -> str:
    if isinstance(node, ast.Assert):
        return f"assert {ast.unparse(node.test)}"  # the message may change freely
    return ast.unparse(node)


def _trivial(body: list[ast.stmt]) -> bool:
    def inert(stmt: ast.stmt) -> bool:
        if isinstance(stmt, ast.Pass | ast.Continue | ast.Break):
            return True
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
            return True
        return isinstance(stmt, ast.Return) and (
            stmt.value is None
            or (isinstance(stmt.value, ast.Constant) and stmt.value.value is None)
        )

    return all(inert(s) for s in body)


def _raises(body: list[ast.stmt]) -> bool:
    stack: list[ast.AST] = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Raise):
            return True
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            stack.extend(ast.iter_child_nodes(node))
    return False


def _caught_names(node: ast.expr | None) -> frozenset[str]:
    if node is None:
        return frozenset({"BaseException"})
    parts = node.elts if isinstance(node, ast.Tuple) else [node]
    return frozenset(dotted(p).rsplit(".", 1)[-1] for p in parts)


class _Collector(ast.NodeVisitor):
    def __init__(self) -> None:
        self.facts = PyFacts()
        self.stack: list[str] = []
        self.test: str | None = None  # the test function being walked, if any

    @property
    def scope(self) -> str:
        return ".".join(self.stack) or MODULE

    def _visit_def(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> None:
        for decorator in node.decorator_list:  # decorators belong to what they decorate
            self.stack.append(node.name)
            self.visit(decorator)
            self.stack.pop()
        if not self.stack and node.name.startswith("pytest_"):
            self.facts.hooks.add(node.name)
        self.stack.append(node.name)
        outer = self.test
        is_function = not isinstance(node, ast.ClassDef)
        if is_function and outer is None and _is_test(node.name):
            self.test = self.scope
            self.facts.tests[self.test] = Counter()
        for stmt in node.body:
            self.visit(stmt)
        self.test = outer
        self.stack.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _visit_def

    def generic_visit(self, node: ast.AST) -> None:
        if self.test is not None and _is_assertion(node):
            self.facts.tests[self.test][_assertion_text(node)] += 1
        super().generic_visit(node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr in _SKIP_NAMES:
            self.facts.skips[(self.scope, node.attr)] += 1
        self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> None:
        if node.id in _SKIP_NAMES:
            self.facts.skips[(self.scope, node.id)] += 1
        elif node.id in ("collect_ignore", "collect_ignore_glob") and not self.stack:
            self.facts.hooks.add(node.id)

    def visit_Call(self, node: ast.Call) -> None:
        name = dotted(node.func)
        if name == "__import__" or name.endswith("import_module"):
            self.facts.dynamic_imports += 1
        if name.rsplit(".", 1)[-1] in _SUPPRESS and node.args:
            caught = ", ".join(ast.unparse(a) for a in node.args)
            names = frozenset(dotted(a).rsplit(".", 1)[-1] for a in node.args)
            self.facts.handlers.append(
                Handler(self.scope, f"suppress({caught})", names, node.lineno, False, True)
            )
        self.generic_visit(node)

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        caught = ast.unparse(node.type) if node.type is not None else ""
        self.facts.handlers.append(
            Handler(self.scope, caught, _caught_names(node.type), node.lineno,
                    _raises(node.body), _trivial(node.body))
        )  # fmt: skip
        self.generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        self.facts.imports.update(alias.name.split(".")[0] for alias in node.names)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level == 0 and node.module:
            self.facts.imports.add(node.module.split(".")[0])


def collect(tree: ast.Module) -> PyFacts:
    collector = _Collector()
    collector.visit(tree)
    return collector.facts


def analyse(text: str, path: str) -> PyFacts | str:
    """The facts of a Python file, or why there are none ("does not parse (line 3)")."""
    try:
        with warnings.catch_warnings():
            # "invalid escape sequence" and the like are about their code, not our process.
            warnings.simplefilter("ignore")
            tree = ast.parse(text, filename=path)
        return collect(tree)
    except (SyntaxError, ValueError) as exc:
        line = getattr(exc, "lineno", None)
        return "does not parse" + (f" (line {line})" if line else "")
    except RecursionError:
        # A generated 5000-term expression must not crash the gate; it fails closed instead.
        return "is too deeply nested to check"


def exception_family(exception_type: str) -> frozenset[str]:
    """The error being fixed and the builtin classes it derives from, below Exception."""
    name = exception_type.rsplit(".", 1)[-1]
    family = {name} if name else set()
    cls = getattr(builtins, name, None) if name else None
    if isinstance(cls, type) and issubclass(cls, BaseException):
        family.update(c.__name__ for c in cls.__mro__ if issubclass(c, BaseException))
    return frozenset(family - _BROAD - {"object"})


def swallows(handler: Handler, family: frozenset[str]) -> str | None:
    """Why this new handler hides the error instead of fixing it, or None if it does not."""
    if handler.reraises:
        return None
    if handler.names & _BROAD:
        return "swallows every error"
    caught = handler.names & family
    if caught and handler.trivial:
        return f"silences {', '.join(sorted(caught))}"
    return None
