from notifications.digest import build_digest, subject


def test_nothing_unread():
    out = build_digest("d@x", [{"title": "Weekly", "read": True}, {"title": "Ping", "muted": True}])
    assert out["count"] == 0
    assert subject([]) == "0 new messages"


def test_subject_with_titles():
    assert subject([{"title": "A"}]) == "A"
    assert subject([{"title": "A"}, {"title": "B"}, {"title": "C"}]) == "A and 2 more"
