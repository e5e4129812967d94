"""Before/after tests of the strategies that follow the culprit's own diff: complete a rename,
repeat a missed edit, restore a changed contract. Each: the unpatched code fails, the best
candidate does what the culprit meant, and the strategy declines what it does not fit."""

from __future__ import annotations

import textwrap

import pytest

from agent.rca import renames
from agent.repair import culprit_edits
from agent.repair.base import CulpritChange, Decline
from agent.repair.templates import (
    complete_rename,
    missed_call_site,
    nearest_name,
    restore_contract,
)
from agent.state import Candidate
from tests.repair.helpers import call, make_input


def dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def culprit(**files: tuple[str | None, str | None]) -> CulpritChange:
    return CulpritChange(sha="c" * 40, summary="rename", files={
        path.replace("__", "/") + ".py": (parent and dedent(parent), after and dedent(after),
                                          after and dedent(after))
        for path, (parent, after) in files.items()})


def found(result: list[Candidate] | Decline) -> list[Candidate]:
    assert not isinstance(result, Decline), result
    return result


PRODUCER_BEFORE = '''
    def make_order(uid, total):
        return {"user": uid, "total": total}
'''
PRODUCER_AFTER = '''
    def make_order(uid, total):
        return {"user_id": uid, "total": total}
'''
READER = '''
    def invoice_line(order):
        return f"{order['user']}: {order['total']}"
'''


def test_reads_the_renamed_key_not_a_default() -> None:
    change = culprit(shop__orders=(PRODUCER_BEFORE, PRODUCER_AFTER))
    inp = make_input(READER, "invoice_line", "KeyError", "'user'", culprit=change,
                     repo_sources={"shop/orders.py": dedent(PRODUCER_AFTER)})
    with pytest.raises(KeyError):
        call(inp.source, "invoice_line", {"user_id": 7, "total": 3})
    best = found(complete_rename.propose(inp))[0]
    assert call(best, "invoice_line", {"user_id": 7, "total": 3}) == "7: 3"
    assert "order['user_id']" in best.new_source and "get(" not in best.new_source
    assert "user_id" in best.description and "shop/orders.py" in best.description


def test_renamed_attribute_and_environment_variable() -> None:
    change = culprit(app__config=('''
        import os
        class Mail:
            def __init__(self):
                self.host = os.environ["SMTP_HOST"]
    ''', '''
        import os
        class Mail:
            def __init__(self):
                self.server = os.environ["MAIL_HOST"]
    '''))
    sources = {"app/config.py": change.files["app/config.py"][1] or ""}
    attr = make_input('''
        def banner(mail):
            return "via " + mail.host
    ''', "banner", "AttributeError", "'Mail' object has no attribute 'host'",
        culprit=change, repo_sources=sources)
    best = found(complete_rename.propose(attr))[0]
    assert "mail.server" in best.new_source

    env = make_input('''
        import os
        def smtp():
            return os.environ["SMTP_HOST"]
    ''', "smtp", "KeyError", "'SMTP_HOST'", culprit=change, repo_sources=sources)
    assert 'os.environ["MAIL_HOST"]' in found(complete_rename.propose(env))[0].new_source


def test_moved_helper_is_imported_from_its_new_module() -> None:
    change = culprit(app__util=('''
        def slug(text):
            return text.lower()
        def other():
            return 1
    ''', '''
        def other():
            return 1
    '''), app__text=(None, '''
        def slug(text):
            return text.lower()
    '''))
    inp = make_input('''
        from app.util import slug

        def title(name):
            return slug(name)
    ''', "title", "ImportError", "cannot import name 'slug' from 'app.util' "
        "(/srv/app/app/util.py)", culprit=change)
    best = found(complete_rename.propose(inp))[0]
    assert best.new_source.startswith("from app.text import slug\n")


def test_declines_without_a_rename_of_the_missing_name() -> None:
    change = culprit(shop__orders=(PRODUCER_BEFORE, PRODUCER_AFTER))
    inp = make_input(READER, "invoice_line", "KeyError", "'total'", culprit=change)
    assert isinstance(complete_rename.propose(inp), Decline)
    none = make_input(READER, "invoice_line", "KeyError", "'user'")
    assert isinstance(complete_rename.propose(none), Decline)


def test_the_culprits_edit_is_repeated_where_it_was_missed() -> None:
    change = culprit(app__report=('''
        def total(row):
            return row["total"] * 2
    ''', '''
        def total(row):
            return row.total * 2
    '''))
    inp = make_input('''
        def summary(row):
            return "total: %s" % row["total"]
    ''', "summary", "TypeError", "'Row' object is not subscriptable", culprit=change)
    best = found(missed_call_site.propose(inp))[0]
    assert 'row.total' in best.new_source and '["total"]' not in best.new_source


def test_an_argument_the_culprit_added_to_every_call() -> None:
    change = culprit(app__a=('''
        def a(uid, tenant):
            return fetch(uid)
    ''', '''
        def a(uid, tenant):
            return fetch(uid, tenant=tenant)
    '''))
    edits = culprit_edits.read(change).edits
    assert [(e.callee, e.new) for e in edits] == [("fetch", ", tenant=tenant")]
    inp = make_input('''
        def b(item, tenant):
            return fetch(item.id)
    ''', "b", "TypeError", "fetch() missing 1 required keyword-only argument: 'tenant'",
        culprit=change)
    assert "fetch(item.id, tenant=tenant)" in found(missed_call_site.propose(inp))[0].new_source


# The culprit made find_user() return None and taught welcome() to check.
WELCOME_CHECKS = ('''
    def welcome(uid):
        user = find_user(uid)
        return "hi " + user.name
''', '''
    def welcome(uid):
        user = find_user(uid)
        if user is None:
            raise UnknownUser(uid)
        return "hi " + user.name
''')


def test_restores_the_check_the_culprit_added_to_its_callers() -> None:
    change = culprit(app__users=WELCOME_CHECKS)
    inp = make_input('''
        class UnknownUser(Exception):
            pass

        def find_user(uid):
            return None

        def email_of(account_id):
            account = find_user(account_id)
            return account.email
    ''', "email_of", "AttributeError", "'NoneType' object has no attribute 'email'",
        culprit=change, line_containing="account.email")
    best = found(restore_contract.propose(inp))[0]
    assert "if account is None:\n        raise UnknownUser(account_id)" in best.new_source
    with pytest.raises(Exception) as raised:
        call(best, "email_of", 3)
    assert type(raised.value).__name__ == "UnknownUser"


def test_restore_contract_declines_without_a_check_in_the_culprit() -> None:
    change = culprit(app__users=(PRODUCER_BEFORE, PRODUCER_AFTER))
    inp = make_input(READER, "invoice_line", "KeyError", "'user'", culprit=change)
    assert isinstance(restore_contract.propose(inp), Decline)


def test_a_result_already_checked_is_left_alone() -> None:
    change = culprit(app__users=WELCOME_CHECKS)
    inp = make_input('''
        def pair(a_id, b_id):
            a = find_user(a_id)
            if a is None:
                raise UnknownUser(a_id)
            b = find_user(b_id)
            return a.email + b.email
    ''', "pair", "AttributeError", "'NoneType' object has no attribute 'email'",
        culprit=change, line_containing="a.email")
    best = found(restore_contract.propose(inp))
    assert len(best) == 1 and "if b is None:\n        raise UnknownUser(b_id)" in best[0].new_source


def test_the_check_from_the_crashing_file_is_preferred() -> None:
    web = ('''
        def hook(uid):
            user = find_user(uid)
            return user.name
    ''', '''
        def hook(uid):
            user = find_user(uid)
            if user is None:
                return {"status": 404}
            return user.name
    ''')
    same = ('''
        def welcome(uid):
            user = find_user(uid)
            return user.name
    ''', '''
        def welcome(uid):
            user = find_user(uid)
            if user is None:
                raise UnknownUser(uid)
            return user.name
    ''')
    change = culprit(app__web=web, pkg__mod=same)
    inp = make_input('''
        def welcome(uid):
            user = find_user(uid)
            if user is None:
                raise UnknownUser(uid)
            return user.name

        def email_of(account_id):
            account = find_user(account_id)
            return account.email
    ''', "email_of", "AttributeError", "'NoneType' object has no attribute 'email'",
        culprit=change, line_containing="account.email")
    best = found(restore_contract.propose(inp))
    assert len(best) == 1 and "raise UnknownUser(account_id)" in best[0].new_source


def test_an_edit_needing_a_name_the_function_lacks_is_not_repeated() -> None:
    change = culprit(billing__inv=('''
        def tax_for(self, net):
            return net * self.settings["tax_rate"]
    ''', '''
        def tax_for(self, net):
            rate = self.settings["vat_rate"]
            return net * rate
    '''))
    inp = make_input('''
        def credit_note(self, net):
            return -net * self.settings["tax_rate"]
    ''', "credit_note", "KeyError", "'tax_rate'", culprit=change)
    assert isinstance(missed_call_site.propose(inp), Decline)


def test_part_of_a_larger_change_to_a_line_is_not_an_edit_to_repeat() -> None:
    change = culprit(stock__reorder=('''
        def suggest(item, wanted):
            return round_up_to_pack(wanted, item.pack_size)
    ''', '''
        def suggest(item, wanted):
            return order_quantity(item, wanted)
    '''))
    edits = culprit_edits.read(change)
    assert not edits.edits  # the call was rewritten as a whole: no piece of it alone
    assert edits.renamed_from("round_up_to_pack", quoted=False) == [("order_quantity", 1)]


def test_a_renamed_function_is_called_by_its_new_name_not_its_attributes() -> None:
    change = culprit(app__conf=('''
        def load(path):
            return path
        def main():
            return load("a")
    ''', '''
        def load_config(path):
            return path
        def main():
            return load_config("a")
    '''))
    inp = make_input('''
        def start(cfg):
            cfg.load = 1
            return load("b")
    ''', "start", "NameError", "name 'load' is not defined", culprit=change,
        repo_sources={"app/conf.py": change.files["app/conf.py"][1] or ""})
    best = found(complete_rename.propose(inp))[0]
    assert 'load_config("b")' in best.new_source and "cfg.load = 1" in best.new_source


# The culprit made one secret a list (newest first) and signed outgoing mail with the newest.
SECRETS_TO_A_LIST = culprit(app__outgoing=('''
    def signed(settings, body):
        return sign(settings["webhook_secret"], body)
''', '''
    def signed(settings, body):
        return sign(settings["signing_secrets"][0], body)
'''))


def test_picking_one_element_of_what_became_a_list_is_not_repeated() -> None:
    """Which element (or all of them) another site needs is a decision the edit cannot make:
    verifying a signature needs every secret, signing needs the newest."""
    edit = next(iter(culprit_edits.read(SECRETS_TO_A_LIST).edits))
    assert edit.selects_element
    inp = make_input('''
        def verify(settings, body, signature):
            return sign(settings["webhook_secret"], body) == signature
    ''', "verify", "KeyError", "'webhook_secret'", culprit=SECRETS_TO_A_LIST)
    declined = missed_call_site.propose(inp)
    assert isinstance(declined, Decline)
    assert "one element" in declined.reason
    assert isinstance(complete_rename.propose(inp), Decline)  # not a plain rename either


def test_an_edit_that_keeps_the_shape_of_the_value_is_still_repeated() -> None:
    """`[0]` already on both sides, or a subscript by a name, picks nothing new."""
    change = culprit(app__report=('''
        def first(rows):
            return rows[0]["total"]
        def at(rows, i):
            return rows["items"]
    ''', '''
        def first(rows):
            return rows[0].total
        def at(rows, i):
            return rows["items"][i]
    '''))
    assert not any(e.selects_element for e in culprit_edits.read(change).edits)


def test_renames_are_read_as_rca_reads_them() -> None:
    """One reader of what the culprit renamed (agent.rca.renames): a key is a quoted rename,
    an identifier is not, each place counts, and a module whose file moved is a move."""
    change = culprit(app__config=('''
        import os
        SMTP_HOST = os.environ["SMTP_HOST"]
        SMTP_PORT = int(os.environ.get("SMTP_PORT", "25"))
    ''', '''
        import os
        MAIL_HOST = os.environ["MAIL_HOST"]
        MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    '''), app__old=("def f():\n    return 1\n", None), app__new=(None, "def f():\n    return 1\n"))
    edits = culprit_edits.read(change)
    assert edits.renamed_from("SMTP_HOST", quoted=True) == [("MAIL_HOST", 1)]
    assert edits.renamed_from("SMTP_HOST", quoted=False) == [("MAIL_HOST", 1)]
    assert {(r.kind, r.path) for r in edits.renames if r.old == "SMTP_PORT"} == {
        ("setting", "app/config.py")}
    assert culprit_edits.Move("", "app.old", "app.new") in edits.moves


def test_a_name_made_plural_is_not_a_drop_in_rename() -> None:
    """`bin_for` → `bins_for` answering a list: the plain new name hands a list to code that
    wants one bin. Which of them (the first, any, all) is not the rename's to say."""
    change = culprit(inv__picking=('''
        def bin_for(sku):
            return BINS.get(sku, "UNSORTED")
    ''', '''
        def bins_for(sku):
            return BINS.get(sku, ["UNSORTED"])
    '''))
    inp = make_input('''
        def bins_for(sku):
            return BINS.get(sku, ["UNSORTED"])

        def pick_list(lines):
            return sorted((bin_for(line["sku"]), line["qty"]) for line in lines)
    ''', "pick_list", "NameError", "name 'bin_for' is not defined", culprit=change,
        repo_sources={"inv/picking.py": change.files["inv/picking.py"][1] or ""})
    declined = complete_rename.propose(inp)
    assert isinstance(declined, Decline) and "one became many" in declined.reason
    guesses = [c.new_source for c in found(nearest_name.propose(inp))]
    assert any('bins_for(line["sku"])[0]' in g for g in guesses)  # labelled: the first
    assert not any('(bins_for(line["sku"]),' in g for g in guesses)
    assert not any('(bin(line["sku"]),' in g for g in guesses)  # a helper, not a misspelt builtin
    assert renames.pluralises("bin_for", "bins_for") and renames.pluralises("item", "items")
    assert not renames.pluralises("load", "load_config")
    assert not renames.pluralises("user", "user_id")


# find() used to raise UnknownSku and now answers None; the culprit turned its caller's
# `except UnknownSku:` into `if item is None:` with the same body.
FIND_ANSWERS_NONE = culprit(app__api=('''
    def quote(warehouse, request):
        try:
            item = warehouse.find(request["sku"])
        except UnknownSku:
            return {"status": 404, "error": request["sku"]}
        return item.price
''', '''
    def quote(warehouse, request):
        item = warehouse.find(request["sku"])
        if item is None:
            return {"status": 404, "error": request["sku"]}
        return item.price
'''))


class _NoStock:
    def find(self, sku: str) -> None:
        return None


def test_a_caller_that_handled_the_old_error_keeps_its_own_handling() -> None:
    """The missed caller's own handler becomes the body of its check, as the culprit did with
    its callers' handlers; another caller's 404 would answer for a loop that rejects a line."""
    inp = make_input('''
        class UnknownSku(Exception):
            pass

        def deliver(warehouse, rows):
            rejected = []
            for sku, qty in rows:
                try:
                    item = warehouse.find(sku)
                except UnknownSku:
                    rejected.append(sku)
                    continue
                item.qty += qty
            return rejected
    ''', "deliver", "AttributeError", "'NoneType' object has no attribute 'qty'",
        culprit=FIND_ANSWERS_NONE, line_containing="item.qty")
    best = found(restore_contract.propose(inp))[0]
    assert ("        item = warehouse.find(sku)\n        if item is None:\n"
            "            rejected.append(sku)\n            continue\n") in best.new_source
    assert "404" not in best.new_source and "except UnknownSku" not in best.new_source
    assert call(best, "deliver", _NoStock(), [("X-1", 2)]) == ["X-1"]


def test_a_check_needing_a_name_the_function_lacks_is_not_copied() -> None:
    inp = make_input('''
        def restock(warehouse, sku):
            item = warehouse.find(sku)
            item.qty += 1
            return item
    ''', "restock", "AttributeError", "'NoneType' object has no attribute 'qty'",
        culprit=FIND_ANSWERS_NONE, line_containing="item.qty")
    declined = restore_contract.propose(inp)
    assert isinstance(declined, Decline) and "request" in declined.reason


def test_a_handler_of_another_error_is_not_turned_into_the_check() -> None:
    inp = make_input('''
        def deliver(warehouse, rows):
            rejected = []
            for sku, qty in rows:
                try:
                    item = warehouse.find(sku)
                except ValueError:
                    rejected.append(sku)
                    continue
                item.qty += qty
            return rejected
    ''', "deliver", "AttributeError", "'NoneType' object has no attribute 'qty'",
        culprit=FIND_ANSWERS_NONE, line_containing="item.qty")
    result = restore_contract.propose(inp)
    assert isinstance(result, Decline)  # only the API's 404, which reads `request`


def test_every_setting_the_culprit_renamed_is_completed_together() -> None:
    """SMTP_* became MAIL_*: the missed reader gets both, not a host from the new setting
    and a port from the old (a rename is one change)."""
    change = culprit(app__config=('''
        def load(env):
            return {"host": env.get("SMTP_HOST", "localhost"),
                    "port": int(env.get("SMTP_PORT", "25")),
                    "user": env.get("USER", "")}
    ''', '''
        def load(env):
            return {"host": env.get("MAIL_HOST", "localhost"),
                    "port": int(env.get("MAIL_PORT", "25")),
                    "user": env.get("LOGIN", "")}
    '''))
    sources = {"app/config.py": change.files["app/config.py"][1] or "",
               "app/other.py": 'import getpass\nUSER = getpass.getuser()\nkey = {"USER": 1}\n'}
    inp = make_input('''
        import os
        def mail_settings():
            return {"host": os.environ["SMTP_HOST"], "port": int(os.environ["SMTP_PORT"]),
                    "user": os.environ.get("USER")}
    ''', "mail_settings", "KeyError", "'SMTP_HOST'", culprit=change, repo_sources=sources)
    best = found(complete_rename.propose(inp))[0]
    assert 'os.environ["MAIL_HOST"]' in best.new_source
    assert 'os.environ["MAIL_PORT"]' in best.new_source
    assert 'os.environ.get("USER")' in best.new_source  # still read elsewhere: not renamed
    assert "MAIL_PORT" in best.description


def test_a_handler_that_reads_the_error_is_not_moved_into_the_check() -> None:
    inp = make_input('''
        class UnknownSku(Exception):
            pass

        def deliver(warehouse, rows, log):
            for sku, qty in rows:
                try:
                    item = warehouse.find(sku)
                except UnknownSku as exc:
                    log.append(exc)
                    continue
                item.qty += qty
    ''', "deliver", "AttributeError", "'NoneType' object has no attribute 'qty'",
        culprit=FIND_ANSWERS_NONE, line_containing="item.qty")
    assert isinstance(restore_contract.propose(inp), Decline)  # `exc` has no None to hold
