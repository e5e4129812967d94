"""Run one case's crashing call at the repository head and print what was captured.

Executed as a script (`python crash_runner.py CONFIG_JSON`) with the repository head as the
working directory, so nothing of the generator is on the stack. In `sentry` mode the call
runs under sentry-sdk with an in-process transport that grabs the envelope; in `traceback`
mode the formatted traceback is printed instead. Output: one JSON object on stdout.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import logging
import os
import platform
import sys
import traceback
from typing import Any


def _resolve(target: str) -> Any:
    mod, _, attr = target.partition(":")
    obj: Any = importlib.import_module(mod)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


def _freeze_clock(iso: str) -> None:
    """Make datetime.now()/utcnow()/today() return the (UTC) time of the crash, so that
    frame variables holding "now" are the same on every run. Instances stay plain
    `datetime.datetime`s; the class keeps the real one's name so reprs are unchanged."""
    import datetime as dt

    real = dt.datetime
    frozen = real.fromisoformat(iso).replace(tzinfo=None)

    def now(cls: Any, tz: Any = None) -> Any:
        return frozen.replace(tzinfo=dt.UTC).astimezone(tz) if tz else frozen

    def utcnow(cls: Any) -> Any:
        return frozen

    frozen_cls = type(
        "datetime.datetime",
        (real,),
        {
            "now": classmethod(now),
            "utcnow": classmethod(utcnow),
            "today": classmethod(utcnow),
            "__module__": "datetime",
        },
    )
    setattr(dt, "datetime", frozen_cls)  # noqa: B010 (a module attribute of another type)


def main() -> int:
    cfg = json.loads(sys.argv[1])
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != here]
    _freeze_clock(cfg["clock"])
    root = cfg["root"]
    sys.path.insert(0, root)
    records: list[list[str]] = []

    class _Grab(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append([record.levelname, record.name, record.getMessage()])

    logging.basicConfig(level=logging.INFO, handlers=[_Grab()], force=True)
    envelopes: list[Any] = []
    if cfg["mode"] == "sentry":
        import sentry_sdk
        from sentry_sdk.transport import Transport

        class _Capture(Transport):
            def capture_envelope(self, envelope: Any) -> None:
                envelopes.append(envelope)

        sentry_sdk.init(
            dsn=cfg["dsn"],
            transport=_Capture,
            release=cfg["release"],
            environment=cfg["environment"],
            server_name=cfg["server_name"],
            include_local_variables=True,
            default_integrations=False,
            auto_enabling_integrations=False,
            project_root=root,
            send_default_pii=False,
        )
        for key, value in sorted(cfg["tags"].items()):
            sentry_sdk.set_tag(key, value)
    if cfg.get("setup"):
        _resolve(cfg["setup"])()
    fn = _resolve(cfg["target"])
    namespace: dict[str, Any] = {}
    exec(  # the arguments may need a few stdlib types
        "from datetime import date, datetime, timedelta, timezone\nfrom decimal import Decimal",
        namespace,
    )
    args = eval("(" + cfg["args"] + ",)", namespace) if cfg["args"].strip() else ()
    try:
        fn(*args)
    except Exception as caught:
        exc = caught.with_traceback(caught.__traceback__.tb_next if caught.__traceback__ else None)
    else:
        print(json.dumps({"error": "the call did not raise"}))
        return 3
    out: dict[str, Any] = {
        "logs": records,
        "runtime": {"name": platform.python_implementation(), "version": platform.python_version()},
    }
    if cfg["mode"] == "sentry":
        import sentry_sdk
        from sentry_sdk.envelope import Envelope
        from sentry_sdk.utils import event_from_exception

        event, hint = event_from_exception(
            exc,
            client_options=sentry_sdk.get_client().options,
            mechanism={"type": cfg["mechanism"], "handled": False},
        )
        sentry_sdk.capture_event(event, hint=hint)
        sentry_sdk.flush()
        if len(envelopes) != 1:
            print(json.dumps({"error": f"captured {len(envelopes)} envelopes"}))
            return 4
        parsed = Envelope.deserialize(envelopes[0].serialize())
        out["event"] = parsed.get_event()
    # what the default excepthook prints when the worker dies: unlike the traceback module
    # in 3.11, it adds the interpreter's "Did you mean" suggestions
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr):
        sys.__excepthook__(type(exc), exc, exc.__traceback__)
    out["traceback"] = stderr.getvalue() or "".join(traceback.format_exception(exc))
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
