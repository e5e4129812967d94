"""A model's answer, read and checked before any test runs.

The answer is JSON naming functions and giving each one's complete new source. It becomes a
candidate only when every named function is one the model was allowed to change (the RCA's
scope: the crashing function and its callers in the same file), each replacement is one
`def` of that name that libcst parses, and no replacement reaches for a process, network or
filesystem module, dynamic code, or a test. Anything else is rejected with the reason, which
is recorded and shown to the model in the next round.
"""

from __future__ import annotations

import json
import re
import textwrap
from dataclasses import dataclass
from typing import Any

import libcst as cst

from agent.repair.base import RepairInput, make_candidate
from agent.state import Candidate
from guardrails.untrusted import inline

ANSWER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "explanation": {"type": "string",
                        "description": "the cause and the fix, in one or two sentences"},
        "functions": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "name": {"type": "string", "description": "qualified name, as given"},
                    "code": {"type": "string", "description": "the complete new definition"},
                },
                "required": ["name", "code"],
            },
        },
    },
    "required": ["explanation", "functions"],
}

# Reaching outside the process: never part of a fix alertfix proposes.
FORBIDDEN_MODULES = frozenset({
    "os", "sys", "subprocess", "socket", "shutil", "pathlib", "tempfile", "glob", "io",
    "multiprocessing", "threading", "asyncio", "signal", "pty", "ctypes", "importlib",
    "http", "urllib", "urllib3", "requests", "httpx", "aiohttp", "ftplib", "smtplib",
    "telnetlib", "ssl", "select", "selectors", "webbrowser", "pickle", "marshal", "builtins",
})
FORBIDDEN_CALLS = frozenset({"eval", "exec", "compile", "open", "__import__", "breakpoint",
                             "globals", "setattr", "delattr", "getattr", "input"})
_TEST_NAME = re.compile(r"(^|\.)(test_\w*|Test\w*)")


@dataclass(frozen=True)
class Scope:
    """The functions an answer may replace: qualified name -> (first line, last line)."""

    path: str
    functions: dict[str, tuple[int, int]]

    @classmethod
    def of(cls, inp: RepairInput) -> Scope:
        functions = {inp.function: (inp.function_start, inp.function_end)}
        for caller in inp.callers:
            if caller.path == inp.path:
                functions.setdefault(caller.function, (caller.function_start,
                                                       caller.function_end))
        return cls(inp.path, functions)

    def input_for(self, inp: RepairInput) -> RepairInput:
        """`inp`, allowed to change every function in scope."""
        spans = tuple(span for name, span in self.functions.items() if name != inp.function)
        return RepairInput(**{**inp.__dict__, "also_allowed": (*inp.also_allowed, *spans)})


class Rejected(ValueError):
    """The answer cannot become a candidate; the message says why."""


def _json_object(text: str) -> Any:
    stripped = text.strip()
    if not stripped:
        raise Rejected("the answer is empty")
    fenced = re.search(r"```(?:json)?\s*(\{.*\})\s*```", stripped, re.DOTALL)
    try:
        return json.loads(fenced.group(1) if fenced else stripped)
    except json.JSONDecodeError as exc:
        raise Rejected(f"the answer is not the JSON asked for ({exc.msg} at character "
                       f"{exc.pos})") from None


def parse_answer(text: str) -> tuple[str, dict[str, str]]:
    """The explanation and {qualified name: code} of an answer; Rejected when unreadable."""
    data = _json_object(text)
    functions = data.get("functions") if isinstance(data, dict) else None
    if not isinstance(functions, list) or not functions:
        raise Rejected("the answer names no function to replace")
    replacements: dict[str, str] = {}
    for item in functions:
        if not (isinstance(item, dict) and isinstance(item.get("name"), str)
                and isinstance(item.get("code"), str) and item["code"].strip()):
            raise Rejected("each replacement needs a function name and its code")
        replacements[item["name"].strip()] = item["code"]
    explanation = data.get("explanation")
    return (explanation if isinstance(explanation, str) else ""), replacements


class _Reach(cst.CSTVisitor):
    """Modules imported and dangerous names used inside a definition."""

    def __init__(self) -> None:
        self.imports: set[str] = set()
        self.names: set[str] = set()

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            self.imports.add(cst.helpers.get_full_name_for_node(alias.name) or "")

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if node.module is not None:
            self.imports.add(cst.helpers.get_full_name_for_node(node.module) or "")

    def visit_Name(self, node: cst.Name) -> None:
        if node.value in FORBIDDEN_MODULES or node.value in FORBIDDEN_CALLS:
            self.names.add(node.value)


def _reach(node: cst.CSTNode) -> _Reach:
    reach = _Reach()
    node.visit(reach)
    return reach


def _definition(name: str, code: str) -> cst.FunctionDef:
    try:
        module = cst.parse_module(textwrap.dedent(code).strip() + "\n")
    except cst.ParserSyntaxError as exc:
        raise Rejected(f"the code for {name} is not valid Python "
                       f"(line {exc.raw_line}: {exc.message})") from None
    body = module.body
    if len(body) != 1 or not isinstance(body[0], cst.FunctionDef):
        raise Rejected(f"the code for {name} must be exactly one function definition")
    node = body[0]
    if node.name.value != name.rsplit(".", 1)[-1]:
        raise Rejected(f"the code for {name} defines {node.name.value} instead")
    return node


class _Swap(cst.CSTTransformer):
    """Replaces functions by qualified name, keeping their leading blank lines/comments."""

    def __init__(self, new: dict[str, cst.FunctionDef]) -> None:
        self.new, self.stack, self.found = new, list[str](), dict[str, cst.FunctionDef]()

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.stack.append(node.name.value)

    def leave_ClassDef(self, original: cst.ClassDef, updated: cst.ClassDef) -> cst.ClassDef:
        self.stack.pop()
        return updated

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.stack.append(node.name.value)

    def leave_FunctionDef(self, original: cst.FunctionDef,
                          updated: cst.FunctionDef) -> cst.FunctionDef:
        name = ".".join(self.stack)
        self.stack.pop()
        if name not in self.new:
            return updated
        self.found[name] = original
        return self.new[name].with_changes(leading_lines=original.leading_lines)


def candidate_from(inp: RepairInput, scope: Scope, replacements: dict[str, str],
                   strategy: str, explanation: str) -> Candidate:
    """The candidate an answer's replacements make of `inp.path`; Rejected when out of scope,
    unsafe or not Python."""
    allowed = ", ".join(sorted(scope.functions))
    for name in replacements:
        if _TEST_NAME.search(name):
            raise Rejected(f"{name} is a test; tests are never changed to make a fix pass")
        if name not in scope.functions:
            raise Rejected(f"{name} is outside the functions it may change ({allowed})")
    for name, code in replacements.items():
        if "```" in code:  # it would close the diff's fence in the PR and ticket
            raise Rejected(f"the code for {name} contains a Markdown fence (```)")
    new = {name: _definition(name, code) for name, code in replacements.items()}
    swap = _Swap(new)
    try:
        module = cst.parse_module(inp.source)
    except cst.ParserSyntaxError:
        raise Rejected(f"{inp.path} itself does not parse") from None
    after = module.visit(swap).code
    for name, node in new.items():
        if name not in swap.found:
            raise Rejected(f"{name} is not defined in {inp.path}")
        before, now = _reach(swap.found[name]), _reach(node)
        imported = sorted({m for m in now.imports - before.imports
                           if m.split(".")[0] in FORBIDDEN_MODULES})
        if imported:
            raise Rejected(f"{name} would import {', '.join(imported)} (process, network or "
                           "filesystem access is never part of a fix)")
        used = sorted(now.names - before.names)
        if used:
            raise Rejected(f"{name} would use {', '.join(used)} (process, network, filesystem "
                           "or dynamic code is never part of a fix)")
    # The explanation is the model's words, which alert text may have steered: shown inert.
    description = inline(explanation, 200) if explanation.strip() else \
        "model-written replacement"
    made = make_candidate(scope.input_for(inp), strategy,
                          f"{description} (rewrites {', '.join(sorted(new))})", after)
    if not isinstance(made, Candidate):
        raise Rejected(made.reason)
    return made
