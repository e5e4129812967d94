"""Every independent case, in a stable order."""

from __future__ import annotations

from evals.independent.model import Case


def all_cases() -> list[Case]:
    from evals.independent.specs import shop_cases, shop_cases2

    return [
        shop_cases.USER_KEY, shop_cases.MAIL_ENV,
        shop_cases2.MONEY_MOVED, shop_cases2.REFUND_NONE,
    ]
