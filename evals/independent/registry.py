"""Every independent case, in a stable order."""

from __future__ import annotations

from evals.independent.model import Case


def all_cases() -> list[Case]:
    from evals.independent.specs import (
        billing_cases,
        billing_cases2,
        ledger_cases,
        ledger_cases2,
        ledger_cases3,
        notify_cases,
        notify_cases2,
        shop_cases,
        shop_cases2,
        stock_cases,
        stock_cases2,
    )

    return [
        shop_cases.USER_KEY, shop_cases.MAIL_ENV,
        shop_cases2.MONEY_MOVED, shop_cases2.REFUND_NONE,
        billing_cases.VAT_RENAME, billing_cases.CONTACT_RENAME,
        billing_cases2.NO_BILLING_EMAIL, billing_cases2.PRICES_MOVED,
        stock_cases.ON_HAND, stock_cases.ATP, stock_cases2.FEED_NONE, stock_cases2.PACKS_MOVED,
        notify_cases.CHANNELS_KEY, notify_cases.SMS_ENV,
        notify_cases2.RENDER_MOVED, notify_cases2.DELIVER,
        ledger_cases.RATE_DATACLASS, ledger_cases.PAYOUT_NONE, ledger_cases2.AMOUNT_KEY,
        ledger_cases2.OVERDRAFT_NONE, ledger_cases3.SECRET_RENAME, ledger_cases3.ROUNDING_MOVED,
    ]
