"""tree-sitter index: symbols, the function at a line, call sites, and the per-commit cache."""

from __future__ import annotations

import subprocess
from pathlib import Path

import git

from tools.code_index import call_sites, calls_in, commit_index, find_function, function_at

SOURCE = '''import os


class Cart:
    def total(self, lines):
        return sum(price(line) for line in lines)

    def checkout(self, lines):
        amount = self.total(lines)
        return charge(amount)


def price(line):
    return line["price"] * line["qty"]


def charge(amount):
    def fmt(value):
        return f"{value:.2f}"
    return fmt(amount)


TOTAL = price({"price": 1, "qty": 2})
'''


def test_functions_and_methods_by_line_and_name() -> None:
    assert function_at(SOURCE, 9).qualname == "Cart.checkout"  # type: ignore[union-attr]
    assert function_at(SOURCE, 19).qualname == "charge.fmt"  # type: ignore[union-attr]
    assert function_at(SOURCE, 23) is None
    assert find_function(SOURCE, "total").qualname == "Cart.total"  # type: ignore[union-attr]


def test_call_sites_name_the_calling_function() -> None:
    sites = call_sites(SOURCE, "price")
    assert [(s.line, s.caller) for s in sites] == [(6, "Cart.total"), (23, "<module>")]
    assert [(s.line, s.caller) for s in call_sites(SOURCE, "Cart.total")] == [
        (9, "Cart.checkout")]
    assert call_sites(SOURCE, "missing") == []


def test_calls_in_a_function() -> None:
    assert calls_in(SOURCE, "Cart.checkout") == ["total", "charge"]
    assert calls_in(SOURCE, "charge") == ["fmt"]


def test_the_commit_index_reads_each_file_once_per_commit(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", "-b", "main", str(tmp_path)], check=True)
    (tmp_path / "cart.py").write_text(SOURCE)
    env = {"GIT_AUTHOR_NAME": "a", "GIT_AUTHOR_EMAIL": "a@x", "GIT_COMMITTER_NAME": "a",
           "GIT_COMMITTER_EMAIL": "a@x", "PATH": "/usr/bin:/bin"}
    subprocess.run(["git", "add", "-A"], cwd=tmp_path, check=True)
    subprocess.run(["git", "commit", "-q", "-m", "c"], cwd=tmp_path, check=True, env=env)
    repo = git.Repo(tmp_path)
    sha = repo.head.commit.hexsha
    index = commit_index(repo)
    assert commit_index(git.Repo(tmp_path)) is index  # one per repository
    assert index.function_at(sha, "cart.py", 14).qualname == "price"  # type: ignore[union-attr]
    (tmp_path / "cart.py").write_text("changed = True\n")  # the worktree does not matter
    assert index.find_function(sha, "cart.py", "charge") is not None
    assert index.call_sites(sha, "charge", ["cart.py", "README"]) == {
        "cart.py": call_sites(SOURCE, "charge")}
    assert index.source(sha, "nope.py") is None
