from decimal import Decimal

from billing.accounts import Account, AccountRepo
from billing.jobs import dashboard


def test_mrr_per_currency_uses_the_currency_price_list():
    repo = AccountRepo((Account(1, "Acme", "ops@acme.test"),
                        Account(2, "Bay", "b@bay.test", plan="pro", currency="USD"),
                        Account(3, "Cove", "c@cove.test", plan="standard", currency="USD")))
    assert dashboard(repo) == {"accounts": 3, "mrr": {"EUR": Decimal("49.00"),
                                                      "USD": Decimal("213.00")}}
