"""Renames of the name in the error, read from real commits' diffs: old → new, where, how."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.rca.diffs import commit_change
from agent.rca.renames import find_renames, moved_modules, renames_in
from agent.rca.scoring import named_values
from tests.rca.history import History


@pytest.fixture
def history(tmp_path: Path) -> History:
    history = History(tmp_path / "svc")
    history.commit("Service", {
        "svc/__init__.py": "",
        "svc/orders.py": 'def record(row):\n    return {"user": row["uid"], "total": 1}\n',
        "svc/models.py": "class Item:\n    def __init__(self, qty):\n        self.qty = qty\n",
        "svc/config.py": 'import os\n\nSMTP_HOST = os.environ["SMTP_HOST"]\n',
        "svc/bins.py": "def bin_for(sku):\n    return sku[:2]\n",
        "svc/picking.py": "from svc.bins import bin_for\n\n\ndef pick(sku):\n"
                          "    return bin_for(sku)\n",
        "deploy/env.yaml": "SMTP_HOST: mail.internal\n",
    })
    return history


def _renames(history: History, sha: str, exception_type: str, message: str
             ) -> list[tuple[str, str, str, str]]:
    values = named_values(exception_type, message)
    return [(r.old, r.new, r.kind, r.path)
            for r in find_renames(commit_change(history.repo, sha), values)]


def test_a_dict_key_renamed_in_the_producer(history: History) -> None:
    sha = history.edit("Orders: user_id", "svc/orders.py", '{"user": row', '{"user_id": row')
    assert _renames(history, sha, "KeyError", "'user'") == [
        ("user", "user_id", "key", "svc/orders.py")]
    found = find_renames(commit_change(history.repo, sha), ["user"])[0]
    assert found.before == 'return {"user": row["uid"], "total": 1}'
    assert found.after == 'return {"user_id": row["uid"], "total": 1}'


def test_an_attribute_renamed_in_its_definition(history: History) -> None:
    sha = history.edit("Models: quantity", "svc/models.py", "self.qty = qty",
                       "self.quantity = qty")
    assert _renames(history, sha, "AttributeError",
                    "'Item' object has no attribute 'qty'") == [
        ("qty", "quantity", "attribute", "svc/models.py")]


def test_an_environment_variable_renamed_where_it_is_set(history: History) -> None:
    sha = history.commit("Deploy: namespace the SMTP settings", {
        "deploy/env.yaml": "BILLING_SMTP_HOST: mail.internal\n",
        "svc/config.py": 'import os\n\nSMTP_HOST = os.environ["BILLING_SMTP_HOST"]\n'})
    assert sorted(_renames(history, sha, "KeyError", "'SMTP_HOST'")) == [
        ("SMTP_HOST", "BILLING_SMTP_HOST", "setting", "deploy/env.yaml"),
        ("SMTP_HOST", "BILLING_SMTP_HOST", "setting", "svc/config.py")]


def test_an_imported_name_renamed_in_its_definition_and_an_import(history: History) -> None:
    sha = history.commit("Bins: a SKU can live in several bins", {
        "svc/bins.py": "def bins_for(sku):\n    return [sku[:2]]\n",
        "svc/picking.py": "from svc.bins import bins_for\n\n\ndef pick(sku):\n"
                          "    return bins_for(sku)[0]\n"})
    message = "cannot import name 'bin_for' from 'svc.bins' (/srv/app/svc/bins.py)"
    assert _renames(history, sha, "ImportError", message) == [
        ("bin_for", "bins_for", "definition", "svc/bins.py"),
        ("bin_for", "bins_for", "import", "svc/picking.py")]
    assert _renames(history, sha, "NameError", "name 'bin_for' is not defined")[0][:2] == (
        "bin_for", "bins_for")


def test_a_module_moved_to_another_file(history: History) -> None:
    body = (history.path / "svc/bins.py").read_text()
    sha = history.commit("Bins: move under locations", {"svc/bins.py": None,
                                                        "svc/locations.py": body})
    assert _renames(history, sha, "ModuleNotFoundError", "No module named 'svc.bins'") == [
        ("svc.bins", "svc.locations", "module", "svc/locations.py")]


def test_what_is_not_a_rename(history: History) -> None:
    rewrite = history.edit("Orders: a class", "svc/orders.py",
                           'return {"user": row["uid"], "total": 1}',
                           "return Order(row)")
    assert _renames(history, rewrite, "KeyError", "'user'") == []  # removed, not renamed
    added = history.edit("Models: sku", "svc/models.py", "self.qty = qty",
                         "self.qty = qty\n        self.sku = None")
    assert _renames(history, added, "AttributeError", "object has no attribute 'qty'") == []
    other = history.edit("Config: port", "svc/config.py", 'SMTP_HOST = os.environ["SMTP_HOST"]',
                         'SMTP_HOST = os.environ["SMTP_HOST"]\nSMTP_PORT = 25')
    assert _renames(history, other, "KeyError", "'SMTP_HOST'") == []


def test_every_rename_a_commit_made_once_for_each_place(history: History) -> None:
    """What repair completes: all the renames, not only those of a name in an error."""
    sha = history.commit("Mail settings; orders by user id", {
        "svc/config.py": 'import os\n\nMAIL_HOST = os.environ["MAIL_HOST"]\n',
        "svc/orders.py": 'def record(row):\n    return {"user_id": row["uid"], "total": 1}\n'})
    change = commit_change(history.repo, sha)
    assert [(r.old, r.new, r.kind, r.quoted, r.path) for r in renames_in(change)] == [
        ("SMTP_HOST", "MAIL_HOST", "setting", False, "svc/config.py"),
        ("SMTP_HOST", "MAIL_HOST", "setting", True, "svc/config.py"),
        ("user", "user_id", "key", True, "svc/orders.py")]
    assert moved_modules(change) == []
    body = (history.path / "svc/bins.py").read_text()
    moved = history.commit("Bins: move", {"svc/bins.py": None, "svc/locations.py": body})
    assert [(r.old, r.new) for r in moved_modules(commit_change(history.repo, moved))] == [
        ("svc.bins", "svc.locations")]
