import json

from ledger.accounts import AccountBook, open_account
from ledger.journal import Journal
from ledger.settings import load
from ledger.webhooks import handle_bank_webhook, sign

SETTINGS = load({"LEDGER_WEBHOOK_SECRETS": "q4-secret,q3-secret"})
BODY = json.dumps({"type": "incoming_payment", "id": "BK-1", "account": "A1",
                   "amount": 2500}).encode()


def receive(secret):
    book = AccountBook((open_account("A1", "Ana"),))
    answer = handle_bank_webhook(SETTINGS, book, Journal(), BODY, sign(secret, BODY))
    return answer["status"], book.get("A1").balance


def test_current_and_previous_secret_are_accepted():
    assert receive("q4-secret") == (200, 2500)
    assert receive("q3-secret") == (200, 2500)


def test_wrong_secret_is_rejected():
    assert receive("guess") == (401, 0)
