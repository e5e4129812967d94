

def test_the_event_level_is_the_alert_severity() -> None:
    from tools.monitors.sentry import parse_event

    event = {"event_id": "e1", "level": "Warning",
             "exception": {"values": [{"type": "KeyError", "value": "'x'"}]}}
    assert parse_event(event).severity == "warning"
    assert parse_event({**event, "level": None}).severity == "error"
