"""tree-sitter index of Python source: functions, classes and methods with their spans."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import tree_sitter_python
from tree_sitter import Language, Node, Parser

_LANGUAGE = Language(tree_sitter_python.language())


@dataclass(frozen=True)
class Symbol:
    qualname: str  # "apply_coupon", "Cart.total", "outer.inner"
    kind: str  # "function" | "class"
    start_line: int  # 1-based, inclusive (the `def` line, decorators excluded)
    end_line: int  # 1-based, inclusive
    params: tuple[str, ...] = ()


def _params(node: Node) -> tuple[str, ...]:
    params = node.child_by_field_name("parameters")
    names = []
    for child in params.named_children if params else []:
        target = child if child.type == "identifier" else child.child_by_field_name("name")
        if target is None and child.named_children:
            target = child.named_children[0]
        if target is not None and target.type == "identifier" and target.text:
            names.append(target.text.decode())
    return tuple(names)


def _walk(node: Node, prefix: str, out: list[Symbol]) -> None:
    for child in node.named_children:
        inner = child
        if child.type == "decorated_definition":
            inner = child.child_by_field_name("definition") or child
        if inner.type in ("function_definition", "class_definition"):
            name_node = inner.child_by_field_name("name")
            name = name_node.text.decode() if name_node and name_node.text else "?"
            qualname = f"{prefix}.{name}" if prefix else name
            kind = "function" if inner.type == "function_definition" else "class"
            out.append(Symbol(qualname, kind, inner.start_point[0] + 1, inner.end_point[0] + 1,
                              _params(inner) if kind == "function" else ()))
            body = inner.child_by_field_name("body")
            if body is not None:
                _walk(body, qualname, out)
        elif child.type in ("if_statement", "try_statement", "block", "else_clause",
                            "with_statement"):
            _walk(child, prefix, out)  # definitions nested in module-level control flow


@lru_cache(maxsize=512)
def symbols(source: str) -> tuple[Symbol, ...]:
    """All definitions in `source`, outermost first. Cached by text, so by commit."""
    tree = Parser(_LANGUAGE).parse(source.encode())
    found: list[Symbol] = []
    _walk(tree.root_node, "", found)
    return tuple(found)


def function_at(source: str, line: int) -> Symbol | None:
    """The innermost function whose span holds `line` (1-based)."""
    best = None
    for symbol in symbols(source):
        if symbol.kind == "function" and symbol.start_line <= line <= symbol.end_line and (
            best is None or symbol.start_line >= best.start_line
        ):
            best = symbol
    return best


def find_function(source: str, qualname: str) -> Symbol | None:
    """A function by qualified name, or by its last component when that is unique."""
    functions = [s for s in symbols(source) if s.kind == "function"]
    exact = [s for s in functions if s.qualname == qualname]
    if exact:
        return exact[0]
    short = [s for s in functions if s.qualname.rsplit(".", 1)[-1] == qualname]
    return short[0] if len(short) == 1 else None
