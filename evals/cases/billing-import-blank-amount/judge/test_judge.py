from billing.importer import import_usage


def test_blank_amount_counts_as_zero():
    text = 'account,amount\nacc-1,12.5\nacc-7,\nacc-3,"1,020.00"\nTOTAL,1032.5\n'
    assert import_usage(text) == {"acc-1": 12.5, "acc-7": 0.0, "acc-3": 1020.0}


def test_thousands_separator_kept():
    assert import_usage('account,amount\nacc-9,"1,250.00"\n') == {"acc-9": 1250.0}
