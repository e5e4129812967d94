from ledger.journal import Journal
from ledger.statements import summary


def test_summary_totals_per_account():
    journal = Journal()
    journal.post("A1", -5000, "EUR", "rent", "T00001", "2026-09-21")
    journal.post("C1", 5000, "EUR", "rent", "T00001", "2026-09-21")
    journal.post("A1", 1200, "EUR", "refund", "T00002")
    journal.post("B1", 2000, "USD", "fee", "T00003")
    assert summary(journal) == {"A1": -3800, "C1": 5000, "B1": 1841}


def test_entries_carry_value_dates():
    entry = Journal().post("A1", 1, "EUR", "x", "T1", "2026-09-22")
    assert entry["value_date"] == "2026-09-22"
