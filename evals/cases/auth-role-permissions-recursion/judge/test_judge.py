from datetime import datetime

from auth.roles import ADMIN, EDITOR, VIEWER, can, can_until


def test_inherited_permissions():
    assert can(EDITOR, "orders:read")
    assert can(ADMIN, "orders:write")
    assert not can(VIEWER, "orders:write")
    assert isinstance(ADMIN.permissions, frozenset)


def test_expiring_grants():
    assert can_until(ADMIN, "users:manage", datetime(2027, 1, 1), datetime(2026, 1, 1))
    assert not can_until(ADMIN, "users:manage", datetime(2025, 1, 1), datetime(2026, 1, 1))
