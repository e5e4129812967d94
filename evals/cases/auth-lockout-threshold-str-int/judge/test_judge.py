from auth import lockout


def test_threshold_from_environment(monkeypatch):
    monkeypatch.setenv("AUTH_MAX_FAILED_ATTEMPTS", "3")
    lockout.FAILED.clear()
    for _ in range(3):
        assert lockout.login("u1", False) == "denied"
    assert lockout.login("u1", True) == "locked"


def test_default_threshold(monkeypatch):
    monkeypatch.delenv("AUTH_MAX_FAILED_ATTEMPTS", raising=False)
    lockout.FAILED.clear()
    for _ in range(4):
        lockout.login("u2", False)
    assert lockout.login("u2", True) == "ok"
    assert lockout.max_failed_attempts() == 5
