from payments.webhooks import handle


def test_refund_without_fee_field():
    event = {"type": "charge.refunded", "livemode": True,
             "data": {"object": {"id": "ch_3QfW", "amount": 2500, "amount_refunded": 2500}}}
    out = handle(event)
    assert out["ledger"] == "debit" and out["id"] == "ch_3QfW" and out["net"] == 2500


def test_charge_still_nets_fee():
    event = {"type": "charge.succeeded", "data": {"object": {"id": "ch_1", "amount": 1000, "fee": 39}}}
    assert handle(event)["net"] == 961
