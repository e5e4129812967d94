from datetime import timedelta

from ledger.fx import get_rate
from ledger.journal import Journal
from ledger.statements import summary


def test_summary_converts_foreign_postings():
    journal = Journal()
    journal.post("A1", -5000, "EUR", "rent", "T00001")
    journal.post("B1", 2000, "USD", "refund", "T00002")
    journal.post("B1", 1000, "GBP", "fee", "T00003")
    assert summary(journal, "EUR") == {"A1": -5000, "B1": 1841 + 1168}


def test_rates_know_their_age():
    rate = get_rate("USD", "EUR")
    assert rate.is_stale(rate.as_of + timedelta(days=4))
