from ledger.accounts import Account, AccountBook, open_account
from ledger.journal import Journal
from ledger.payouts import run_payouts


def book():
    src = open_account("OPS", "Acme Ops", plan="premium")
    src.balance = 100000
    payee = Account("M1", "Mo", "USD", 0, "basic", 0, iban="DE89370400440532013000")
    return AccountBook((src, payee))


def test_unknown_payee_is_reported_failed():
    accounts, journal = book(), Journal()
    report = run_payouts(accounts, journal, [
        {"from": "OPS", "to": "DE89 3704 0044 0532 0130 00", "amount": 1000},
        {"from": "OPS", "to": "GB00 0000 0000 0000 0000 00", "amount": 700}])
    assert report == {"done": ["T00001"], "failed": ["GB00 0000 0000 0000 0000 00"]}
    assert accounts.get("M1").balance == 1087


def test_unknown_payer_is_reported_failed():
    report = run_payouts(book(), Journal(), [{"from": "NOPE", "to": "M1", "amount": 5}])
    assert report == {"done": [], "failed": ["M1"]}
