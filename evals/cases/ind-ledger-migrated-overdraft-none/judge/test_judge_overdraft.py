import pytest

from ledger.accounts import AccountBook, open_account
from ledger.journal import Journal
from ledger.migrate import import_legacy
from ledger.payouts import run_payouts
from ledger.transfers import TransferRejected, execute


def book(rows):
    return AccountBook((*import_legacy(rows), open_account("OPS", "Acme Ops")))


def test_migrated_premium_account_uses_the_plan_overdraft():
    accounts = book([{"id": "L-20417", "owner": "Brandt KG", "balance": "1200",
                      "plan": "premium"}])
    report = run_payouts(accounts, Journal(), [{"from": "L-20417", "to": "OPS",
                                                "amount": 30000}])
    assert report["failed"] == [] and accounts.get("L-20417").balance == -28800


def test_migrated_limits_still_bind():
    accounts = book([{"id": "L-1", "owner": "A", "balance": "100", "plan": "premium",
                      "overdraft": "0"},
                     {"id": "L-2", "owner": "B", "balance": "100", "plan": "basic"}])
    for account_id in ("L-1", "L-2"):
        with pytest.raises(TransferRejected):
            execute(accounts, Journal(), account_id, "OPS", 101)
