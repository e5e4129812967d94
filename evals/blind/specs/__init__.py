"""One module per blind case; each defines CASE."""

from __future__ import annotations

from evals.blind.model import Case
from evals.blind.specs import (
    bookings_ci_created_status,
    crm_billing_email_two_callers,
    oncall_optional_lists_tuple_default,
    reports_page_size_default_zero,
    rota_ci_last_slot_dropped,
    shipping_ci_grams_both_zones,
    stays_import_date_format_swapped,
    worker_retry_setting_wrong_key,
)

CASES: tuple[Case, ...] = (
    shipping_ci_grams_both_zones.CASE,
    bookings_ci_created_status.CASE,
    rota_ci_last_slot_dropped.CASE,
    crm_billing_email_two_callers.CASE,
    oncall_optional_lists_tuple_default.CASE,
    worker_retry_setting_wrong_key.CASE,
    reports_page_size_default_zero.CASE,
    stays_import_date_format_swapped.CASE,
)
