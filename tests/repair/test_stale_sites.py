"""A culprit's rename that left stale uses in more than one module: complete-rename changes
every use that cannot resolve any more, as one candidate, and nothing the old name may still
name (another class defines it, a test uses it)."""

from __future__ import annotations

import textwrap

import pytest

from agent.repair.base import CulpritChange, Decline, RepairInput
from agent.repair.naturalness import ranking
from agent.repair.templates import complete_rename
from agent.repair.templates.stale_sites import only_renames, renamed_only
from agent.state import Candidate, Rename
from guardrails.patch import FileChange, check_patch
from guardrails.policy import Policy
from tests.repair.helpers import call, load, make_input


def dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


MODEL_BEFORE = dedent('''
    class Customer:
        def __init__(self, name, email):
            self.name = name
            self.email = email
''')
MODEL_AFTER = MODEL_BEFORE.replace("self.email = email", "self.billing_email = email")
DUNNING = dedent('''
    def remind_overdue(customer, days):
        return f"to {customer.email}: {days} days overdue"
''')
RECEIPTS = '''
    def send_receipt(customer, total):
        return f"to {customer.email}: paid {total}"
'''
TEST_MODEL = dedent('''
    def test_old_name(customer):
        assert customer.email
''')


def customer_input(**extra_sources: str) -> tuple[RepairInput, type]:
    change = CulpritChange(sha="c" * 40, summary="rename email", files={
        "crm/models.py": (MODEL_BEFORE, MODEL_AFTER, MODEL_AFTER)})
    sources = {"crm/models.py": MODEL_AFTER, "crm/dunning.py": DUNNING,
               "tests/test_models.py": TEST_MODEL, **extra_sources}
    inp = make_input(RECEIPTS, "send_receipt", "AttributeError",
                     "'Customer' object has no attribute 'email'", culprit=change,
                     repo_sources=sources)
    return inp, load(MODEL_AFTER).Customer


def best(result: list[Candidate] | Decline) -> Candidate:
    assert not isinstance(result, Decline), result
    return result[0]


def test_both_stale_modules_change_in_one_candidate() -> None:
    inp, customer_class = customer_input()
    customer = customer_class("Ada", "ada@example.com")
    with pytest.raises(AttributeError):
        call(DUNNING, "remind_overdue", customer, 3)
    candidate = best(complete_rename.propose(inp))
    assert call(candidate, "send_receipt", customer, 5) == "to ada@example.com: paid 5"
    assert set(candidate.extra_files) == {"crm/dunning.py"}  # not the test file
    dunning = candidate.extra_files["crm/dunning.py"]
    assert call(dunning, "remind_overdue", customer, 3) == "to ada@example.com: 3 days overdue"
    assert "crm/dunning.py" in candidate.diff and "crm/dunning.py" in candidate.description


def test_an_attribute_another_class_still_defines_is_left_alone() -> None:
    lead = dedent('''
        class Lead:
            def __init__(self, email):
                self.email = email
    ''')
    inp, _ = customer_input(**{"crm/leads.py": lead})
    candidate = best(complete_rename.propose(inp))
    assert "customer.billing_email" in candidate.new_source
    assert candidate.extra_files == {}  # dunning may be handed a Lead: not provably stale


def test_a_dataclass_field_or_property_of_the_old_name_keeps_it_defined() -> None:
    for definer in ('''
        from dataclasses import dataclass
        @dataclass
        class Contact:
            email: str
    ''', '''
        class Contact:
            @property
            def email(self):
                return ""
    '''):
        inp, _ = customer_input(**{"crm/contacts.py": dedent(definer)})
        assert best(complete_rename.propose(inp)).extra_files == {}


def test_a_key_written_nowhere_is_renamed_where_read_and_kept_where_written() -> None:
    producer_before = 'def make_order(uid):\n    return {"user": uid}\n'
    producer_after = producer_before.replace('"user"', '"user_id"')
    change = CulpritChange(sha="c" * 40, summary="rename", files={
        "shop/orders.py": (producer_before, producer_after, producer_after)})
    audit = "def audit(order):\n    return order['user']\n"
    reader = '''
        def invoice_line(order):
            return f"{order['user']}"
    '''
    stale = make_input(reader, "invoice_line", "KeyError", "'user'", culprit=change,
                       repo_sources={"shop/orders.py": producer_after, "shop/audit.py": audit})
    candidate = best(complete_rename.propose(stale))
    assert call(candidate.extra_files["shop/audit.py"], "audit", {"user_id": 4}) == 4

    legacy = "def legacy(uid):\n    return {'user': uid}\n"
    written = make_input(reader, "invoice_line", "KeyError", "'user'", culprit=change,
                         repo_sources={"shop/orders.py": producer_after, "shop/audit.py": audit,
                                       "shop/legacy.py": legacy})
    assert best(complete_rename.propose(written)).extra_files == {}


def test_only_renames_accepts_the_rename_and_nothing_else() -> None:
    rename = [Rename(old="email", new="billing_email", path="crm/models.py", kind="attribute")]
    fixed = DUNNING.replace(".email", ".billing_email")
    assert only_renames(DUNNING, fixed, rename)
    assert not only_renames(DUNNING, fixed.replace("days", "weeks"), rename)
    assert not only_renames(DUNNING, DUNNING, rename)
    key = [Rename(old="email", new="billing_email", path="crm/models.py", quoted=True)]
    assert not only_renames(DUNNING, fixed, key)  # a key's rename is not an attribute's


def test_a_file_that_only_completes_the_rename_is_in_the_guardrails_scope() -> None:
    inp, _ = customer_input()
    candidate = best(complete_rename.propose(inp))
    changes = [FileChange("crm/receipts.py", inp.source, candidate.new_source),
               FileChange("crm/dunning.py", DUNNING, candidate.extra_files["crm/dunning.py"])]
    scope = {"crm/receipts.py": ["send_receipt"]}
    refused = check_patch(changes, Policy(), scope, "AttributeError")
    assert not refused.allowed and "the root cause names nothing there" in str(refused.reasons)

    rename = Rename(old="email", new="billing_email", path="crm/models.py", kind="attribute")
    widened = renamed_only(changes, [rename], Policy().test_paths)
    assert widened == ["crm/receipts.py", "crm/dunning.py"]
    scope |= {p: ["*"] for p in widened}
    assert check_patch(changes, Policy(), scope, "AttributeError").allowed
    # Another rename, or a test file, is not widened.
    other = Rename(old="name", new="full_name", path="crm/models.py", kind="attribute")
    assert renamed_only(changes, [other], Policy().test_paths) == []
    test_change = [FileChange("tests/test_models.py", TEST_MODEL,
                              TEST_MODEL.replace(".email", ".billing_email"))]
    assert renamed_only(test_change, [rename], Policy().test_paths) == []


def test_the_complete_rename_ranks_before_a_fix_of_the_crashing_site_alone() -> None:
    inp, _ = customer_input()
    complete = best(complete_rename.propose(inp))
    alone = complete.model_copy(update={
        "strategy": "template:nearest-name", "id": "template:nearest-name#1",
        "extra_files": {}, "repeated_in": [],
        "diff": complete.diff.split("--- a/crm/dunning.py")[0]})
    assert ranking(complete) < ranking(alone)
    # Without the repeat noted, the larger diff would rank after.
    assert ranking(complete.model_copy(update={"repeated_in": []})) > ranking(alone)


def test_a_use_on_an_object_not_tied_to_the_renamed_class_is_left_and_said() -> None:
    mailer = dedent('''
        def notify(request, customer):
            return request.user.email, customer.email
    ''')
    inp, _ = customer_input(**{"crm/mailer.py": mailer})
    candidate = best(complete_rename.propose(inp))
    changed = candidate.extra_files["crm/mailer.py"]
    assert "request.user.email, customer.billing_email" in changed
    assert "left 1 use of `email` in crm/mailer.py" in candidate.description


def test_a_use_elsewhere_in_the_crashing_module_changes_too() -> None:
    change = CulpritChange(sha="c" * 40, summary="rename email", files={
        "crm/models.py": (MODEL_BEFORE, MODEL_AFTER, MODEL_AFTER)})
    inp = make_input(RECEIPTS + '''
    def receipt_header(customer):
        return customer.email
    ''', "send_receipt", "AttributeError", "'Customer' object has no attribute 'email'",
        culprit=change, repo_sources={"crm/models.py": MODEL_AFTER})
    candidate = best(complete_rename.propose(inp))
    assert "return customer.billing_email" in candidate.new_source
    assert "left" not in candidate.description and candidate.extra_files == {}
    # Where the old name may still resolve, only the crashing function changes, and the
    # description says what was left.
    lead = "class Lead:\n    def __init__(self, email):\n        self.email = email\n"
    kept = make_input(inp.source, "send_receipt", "AttributeError",
                      "'Customer' object has no attribute 'email'", culprit=change,
                      repo_sources={"crm/models.py": MODEL_AFTER, "crm/leads.py": lead})
    candidate = best(complete_rename.propose(kept))
    assert "return customer.email" in candidate.new_source
    assert "left 1 use of `email` in pkg/mod.py" in candidate.description


def test_a_class_that_answers_any_attribute_keeps_the_old_name_possible() -> None:
    proxy = "class Proxy:\n    def __getattr__(self, name):\n        return name\n"
    inp, _ = customer_input(**{"crm/proxy.py": proxy})
    assert best(complete_rename.propose(inp)).extra_files == {}
