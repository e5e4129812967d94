from ledger.fx import convert
from ledger.journal import Journal
from ledger.statements import summary


def test_summary_rounds_half_to_even_like_transfers():
    journal = Journal()
    journal.post("B1", 1000, "USD", "fee", "T1")
    journal.post("B2", 5000, "EUR", "rent", "T2")
    journal.post("B3", 3000, "USD", "fee", "T3")
    assert summary(journal) == {"B1": 920, "B2": 5000, "B3": 2762}
    assert summary(journal)["B1"] == convert(1000, "USD", "EUR")
