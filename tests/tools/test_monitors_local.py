"""The ingest's body decoding: encodings, limits and decompression bombs; envelope items."""

from __future__ import annotations

import gzip
import time
import zlib

import brotli
import pytest
from sentry_sdk.envelope import Envelope, Item, PayloadRef

from tools.monitors.local import (
    BodyDecodeError,
    BodyTooLarge,
    decode_body,
    events_from_envelope,
)

BODY = b'{"event_id": "1"}\n' * 100


@pytest.mark.parametrize(("encoding", "encode"), [
    ("gzip", gzip.compress), ("deflate", zlib.compress),
    ("deflate", lambda b: zlib.compress(b, wbits=-zlib.MAX_WBITS)),  # raw deflate
    ("br", brotli.compress), ("identity", lambda b: b), ("", lambda b: b),
    ("gzip, br", lambda b: brotli.compress(gzip.compress(b))),
])
def test_encodings(encoding: str, encode: object) -> None:
    assert callable(encode)
    assert decode_body(encode(BODY), encoding) == BODY


@pytest.mark.parametrize(("encoding", "compress"), [
    ("gzip", gzip.compress), ("deflate", zlib.compress),
    ("br", lambda b: brotli.compress(b, quality=5))])
def test_decompression_bombs_stop_early(encoding: str, compress: object) -> None:
    assert callable(compress)
    bomb = compress(b"\0" * (32 * 1024 * 1024))  # 32 MiB of zeros in a few dozen KiB
    assert len(bomb) < 50_000
    started = time.monotonic()
    with pytest.raises(BodyTooLarge):
        decode_body(bomb, encoding, limit=1024 * 1024)
    assert time.monotonic() - started < 2  # stopped near the limit, not at 32 MiB


def test_bad_bodies() -> None:
    with pytest.raises(BodyTooLarge):
        decode_body(b"x" * 11, "identity", limit=10)
    with pytest.raises(BodyDecodeError, match="not valid gzip"):
        decode_body(b"not gzip", "gzip")
    with pytest.raises(BodyDecodeError, match="truncated"):
        decode_body(gzip.compress(BODY)[:-12], "gzip")
    with pytest.raises(BodyDecodeError, match="unsupported"):
        decode_body(BODY, "zstd-of-the-future")
    with pytest.raises(BodyDecodeError):
        decode_body(b"\xff\x00garbage", "br")


def test_envelopes_keep_events_and_pass_over_everything_else() -> None:
    envelope = Envelope(headers={"event_id": "e1"})
    envelope.add_event({"event_id": "e1", "exception": {"values": [{"type": "KeyError"}]}})
    envelope.add_transaction({"type": "transaction", "transaction": "/checkout"})
    envelope.add_item(Item(PayloadRef(json={"sid": "s1", "status": "exited"}), type="session"))
    envelope.add_item(Item(b"\x00\x01binary", type="attachment",
                           filename="dump.bin"))
    envelope.add_item(Item(PayloadRef(json={"discarded_events": []}), type="client_report"))
    events = events_from_envelope(envelope.serialize())
    assert [e["event_id"] for e in events] == ["e1"]
    with pytest.raises(BodyDecodeError, match="not a Sentry envelope"):
        events_from_envelope(b"\xff\xfe not an envelope")
