"""The other places a culprit's rename left stale: uses of the old name that cannot resolve
any more, in the crashing module's other functions and in other modules.

A use is stale only when nothing in the repository's application code still provides the old
name, so no object it could be read from has it:

- an attribute: no class defines it (no `self.<old> = …`, class attribute, dataclass field,
  method, property or `__slots__` entry of that name, no `setattr`/namedtuple naming it),
  while the new name is defined;
- a dict key: the string `'<old>'` only appears read (`x['<old>']`, `x.get('<old>')`), never
  written or used otherwise (a dict display, `x['<old>'] = …`, a keyword `<old>=`, `in`),
  while the new key is written.

Even then another library's object may have the name (`request.user.email`), so only a use on
an object tied to the renamed one is changed: its name holds the class's the error names, or
the crashing site's object's (`customer`, `billing_customer`); the others are counted and
said. An environment variable or a setting is not handled: whether it is still set is decided
outside the repository's code. Test files are left alone (a test of the old name is for a
human to update or delete). `only_renames` is the same judgement from the other side: the
guardrails' check that a file's change is nothing but the root cause's rename.
"""

from __future__ import annotations

import ast
import hashlib
import textwrap
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import libcst as cst

from agent.repair.base import changed_lines, unified_diff
from agent.repair.inputs import MAX_SOURCES
from agent.state import Candidate, Rename
from guardrails.files import FileChange
from guardrails.globs import first_match
from guardrails.policy import DEFAULT_TEST_PATHS

_ENVIRON = ("environ", "getenv")
# Calls that define (or may define) an attribute named by a string.
_DYNAMIC = {"setattr", "namedtuple", "NamedTuple", "make_dataclass", "SimpleNamespace"}


def is_test(path: str) -> bool:
    return first_match(path, DEFAULT_TEST_PATHS) is not None


def _trees(sources: Mapping[str, str]) -> Iterable[ast.Module]:
    for path, text in sources.items():
        if is_test(path):
            continue
        try:
            yield ast.parse(text)
        except SyntaxError:
            continue


def _defines_attribute(tree: ast.Module, name: str) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr == name and \
                isinstance(node.ctx, ast.Store):
            return True
        if isinstance(node, ast.Call) and _callee(node.func) in _DYNAMIC and \
                (any(name in _words(arg) for arg in node.args) or
                 any(k.arg == name for k in node.keywords)):
            return True  # setattr, a namedtuple's fields: defined by a string
        if isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and \
                        item.name in (name, "__getattr__", "__getattribute__"):
                    return True  # (a class that answers any name may answer this one)
                targets = item.targets if isinstance(item, ast.Assign) else \
                    [item.target] if isinstance(item, ast.AnnAssign) else []
                if any(isinstance(t, ast.Name) and t.id == name for t in targets):
                    return True
                slots = any(isinstance(t, ast.Name) and t.id == "__slots__" for t in targets)
                if slots and name in _words(item):
                    return True
    return False


def _callee(func: ast.expr) -> str:
    return func.id if isinstance(func, ast.Name) else \
        func.attr if isinstance(func, ast.Attribute) else ""


def _words(node: ast.AST) -> set[str]:
    """The words of every string in `node` (`"id email"`, `["id", "email"]`)."""
    return {word for n in ast.walk(node) if isinstance(n, ast.Constant) and
            isinstance(n.value, str) for word in n.value.replace(",", " ").split()}


def _is_environ(node: ast.expr) -> bool:
    text = ast.unparse(node)
    return any(part in text for part in _ENVIRON)


def _key_uses(tree: ast.Module, key: str) -> tuple[int, int]:
    """(reads, writes or unknown uses) of the string `key` in `tree`."""
    reads: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load) and \
                isinstance(node.slice, ast.Constant) and node.slice.value == key and \
                not _is_environ(node.value):
            reads.add(id(node.slice))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                node.func.attr == "get" and node.args and \
                isinstance(node.args[0], ast.Constant) and node.args[0].value == key and \
                not _is_environ(node.func.value):
            reads.add(id(node.args[0]))
    others = sum(1 for node in ast.walk(tree)
                 if (isinstance(node, ast.Constant) and node.value == key and
                     id(node) not in reads) or
                 (isinstance(node, ast.keyword) and node.arg == key))
    return len(reads), others


def unresolvable(kind: str, old: str, new: str, sources: Mapping[str, str]) -> bool:
    """Nothing in the application code of `sources` provides `old` any more, and something
    provides `new`: every use of `old` is stale."""
    trees = list(_trees(sources))
    if kind == "attr":
        return not any(_defines_attribute(t, old) for t in trees) and \
            any(_defines_attribute(t, new) for t in trees)
    if kind == "string":
        return all(_key_uses(t, old)[1] == 0 for t in trees) and \
            any(_key_uses(t, new)[1] > 0 for t in trees)
    return False


def _last_name(node: cst.BaseExpression) -> str:
    """`customer` of `customer`, `self.customer`, `get_customer(i)`, `rows[0]`'s `rows`."""
    while isinstance(node, (cst.Call, cst.Subscript)):
        node = node.func if isinstance(node, cst.Call) else node.value
    if isinstance(node, cst.Name):
        return node.value
    return node.attr.value if isinstance(node, cst.Attribute) else ""


def _related(name: str, anchors: Iterable[str]) -> bool:
    """`name` is an anchor's (`customer`, `CustomerAccount`) or holds it as a word
    (`billing_customer`, `get_customer`); `self` and `cls` tie nothing: they are any class."""
    words = name.lower().split("_")
    return any(a.lower().replace("_", "") in ("".join(words), *words) for a in anchors
               if a and a not in ("self", "cls"))


class _Stale(cst.CSTTransformer):
    """Each use of `old` (an attribute name, or a key read) on an object `anchors` ties to the
    renamed one (its name holds the class's or the crashing site's object's) becomes `new`;
    the other uses are counted in `unsure`: another library's object may well have `old`."""

    def __init__(self, kind: str, old: str, new: str, anchors: set[str]) -> None:
        self.kind, self.old, self.new, self.anchors = kind, old, new, anchors
        self.count = self.unsure = 0

    def _tied(self, receiver: cst.BaseExpression) -> bool:
        tied = _related(_last_name(receiver), self.anchors)
        self.count += tied
        self.unsure += not tied
        return tied

    def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.Attribute:
        if self.kind == "attr" and updated.attr.value == self.old and self._tied(updated.value):
            return updated.with_changes(attr=cst.Name(self.new))
        return updated

    def leave_Subscript(self, original: cst.Subscript, updated: cst.Subscript) -> cst.Subscript:
        key = updated.slice[0].slice if len(updated.slice) == 1 else None
        if self.kind == "string" and isinstance(key, cst.Index) and \
                isinstance(key.value, cst.SimpleString) and \
                key.value.evaluated_value == self.old and self._tied(updated.value):
            return updated.with_changes(slice=[updated.slice[0].with_changes(
                slice=key.with_changes(value=_renamed_string(key.value, self.new)))])
        return updated

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.Call:
        func, args = updated.func, updated.args
        if self.kind == "string" and isinstance(func, cst.Attribute) and \
                func.attr.value == "get" and args and \
                isinstance(args[0].value, cst.SimpleString) and \
                args[0].value.evaluated_value == self.old and self._tied(func.value):
            first = args[0].with_changes(value=_renamed_string(args[0].value, self.new))
            return updated.with_changes(args=[first, *args[1:]])
        return updated


def _renamed_string(node: cst.SimpleString, new: str) -> cst.SimpleString:
    quote = node.value.lstrip("rbuRBU")[0]
    return cst.SimpleString(f"{quote}{new}{quote}")


def receivers(kind: str, old: str, function_source: str) -> set[str]:
    """The names of the objects `function_source` reads `old` from (`customer` in
    `customer.email`, `order` in `order["user"]`)."""
    try:
        tree = cst.parse_module(textwrap.dedent(function_source))
    except cst.ParserSyntaxError:
        return set()
    found: set[str] = set()

    class Receivers(_Stale):  # the same uses _Stale renames, their objects collected
        def _tied(self, receiver: cst.BaseExpression) -> bool:
            found.add(_last_name(receiver))
            return False

    tree.visit(Receivers(kind, old, old, set()))
    return found - {""}


@dataclass(frozen=True)
class Sites:
    files: dict[str, tuple[str, int]]  # path -> (the module renamed, how many uses)
    unsure: dict[str, int]  # path -> uses of `old` on objects not tied to the renamed one


def stale_sites(kind: str, old: str, new: str, sources: Mapping[str, str],
                anchors: set[str], rewritten: tuple[str, str]) -> Sites:
    """The stale uses of `old` in each application module, renamed to `new` (the crashing
    module as `rewritten` already: path, text): none unless every use of `old` in `sources`
    is stale (and the repository was read whole: a definition may hide in the modules left
    unread); only those on an object `anchors` ties to the renamed one."""
    if len(sources) >= MAX_SOURCES or not unresolvable(kind, old, new, sources):
        return Sites({}, {})
    found: dict[str, tuple[str, int]] = {}
    unsure: dict[str, int] = {}
    for path, text in sorted({**sources, rewritten[0]: rewritten[1]}.items()):
        if is_test(path) or old not in text:
            continue
        try:
            module = cst.parse_module(text)
        except cst.ParserSyntaxError:
            continue
        stale = _Stale(kind, old, new, anchors)
        after = module.visit(stale).code
        if stale.count and after != text:
            found[path] = (after, stale.count)
        if stale.unsure:
            unsure[path] = stale.unsure
    return Sites(found, unsure)


def with_files(candidate: Candidate, extra: Mapping[str, str],
               sources: Mapping[str, str]) -> Candidate:
    """`candidate` also changing the files in `extra` (path -> new text; `sources` holds their
    text now) that repeat its change: its diff, size and id cover every file; ranked by its
    main file's change (the same rename is one change, however many places it reaches)."""
    files = {**extra, candidate.path: candidate.new_source}
    diff = candidate.diff + "".join(unified_diff(p, sources[p], extra[p]) for p in sorted(extra))
    digest = hashlib.sha1("\0".join(f"{p}\0{files[p]}" for p in sorted(files))
                          .encode()).hexdigest()[:8]
    return candidate.model_copy(update={
        "id": f"{candidate.strategy}#{digest}", "extra_files": dict(extra),
        "repeated_in": sorted(extra), "diff": diff,
        "lines_changed": changed_lines(diff)})


def renamed_only(changes: Iterable[FileChange], renames: Iterable[Rename],
                 test_paths: Iterable[str]) -> list[str]:
    """The application files among `changes` whose only change completes one of `renames`."""
    renames, test_paths = list(renames), tuple(test_paths)
    return [c.path for c in changes if c.before is not None and c.after is not None
            and first_match(c.path, test_paths) is None
            and only_renames(c.before, c.after, renames)]


def only_renames(before: str, after: str, renames: Iterable[Rename]) -> bool:
    """`after` is `before` with some of `renames` completed and nothing else changed, node by
    node: the change in that file is the root cause's own rename, whoever names the file."""
    try:
        old, new = ast.parse(before), ast.parse(after)
    except SyntaxError:
        return False
    changed = _renamed_nodes(old, new, {(r.old, r.new, r.quoted) for r in renames})
    return bool(changed)


def _renamed_nodes(a: object, b: object, pairs: set[tuple[str, str, bool]],
                   field: str = "") -> int | None:
    """How many names `b` renames from `a` by one of `pairs` (an attribute or a bare name for
    an identifier's, a string constant for a key's), or None if it differs otherwise."""
    if isinstance(a, ast.AST) or isinstance(b, ast.AST):
        if type(a) is not type(b):
            return None
        total = 0
        for name, value in ast.iter_fields(a):  # type: ignore[arg-type]
            found = _renamed_nodes(value, getattr(b, name), pairs,
                                   f"{type(a).__name__}.{name}")
            if found is None:
                return None
            total += found
        return total
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return None
        total = 0
        for x, y in zip(a, b, strict=True):
            found = _renamed_nodes(x, y, pairs, field)
            if found is None:
                return None
            total += found
        return total
    if a == b and type(a) is type(b):
        return 0
    if isinstance(a, str) and isinstance(b, str):
        quoted = field == "Constant.value"
        if (quoted or field in ("Attribute.attr", "Name.id")) and (a, b, quoted) in pairs:
            return 1
    return None
