#!/bin/sh
# Builds the blind-bookings-ci-created-status repository in "$1": 4 commits.
# Written by evals/blind (python -m evals.blind generate); edit the spec there, not this file.
set -eu
mkdir -p "$1"
cd "$1"
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 TZ=UTC LC_ALL=C
git init -q -b main .

commit() {  # author name, author email, date; the message on stdin
    git add -A
    GIT_AUTHOR_NAME="$1" GIT_AUTHOR_EMAIL="$2" GIT_AUTHOR_DATE="$3" \
    GIT_COMMITTER_NAME="$1" GIT_COMMITTER_EMAIL="$2" GIT_COMMITTER_DATE="$3" \
        git -c commit.gpgsign=false commit -q --cleanup=verbatim -F -
}

deploy() {  # number, date: an annotated tag whose tagger date is the deploy time
    GIT_COMMITTER_NAME="Deploy Bot" GIT_COMMITTER_EMAIL="deploy-bot@acme.test" \
    GIT_COMMITTER_DATE="$2" git -c tag.gpgsign=false tag -a "deploy-$1" -m "environment=production
deployed bookings by the release pipeline"
}

# --- commit 1: Bookings API: customers and bookings
mkdir -p bookings
cat > bookings/__init__.py <<'__BLIND_EOF__'
"""Appointment bookings API."""
__BLIND_EOF__
mkdir -p bookings
cat > bookings/http.py <<'__BLIND_EOF__'
"""The response type handlers return; the web adapter turns it into HTTP."""

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Response:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
__BLIND_EOF__
mkdir -p bookings
cat > bookings/store.py <<'__BLIND_EOF__'
"""In-memory store (the service swaps in Postgres behind the same methods)."""

import itertools


class Store:
    def __init__(self) -> None:
        self._ids = itertools.count(1)
        self.customers: dict[int, dict] = {}
        self.bookings: dict[int, dict] = {}
        self.waitlist: list[dict] = []

    def add_customer(self, email: str, name: str) -> dict:
        customer = {"id": next(self._ids), "email": email, "name": name}
        self.customers[customer["id"]] = customer
        return customer

    def remove_customer(self, customer_id: int) -> bool:
        return self.customers.pop(customer_id, None) is not None

    def slot_taken(self, slot: str) -> bool:
        return any(b["slot"] == slot for b in self.bookings.values())

    def add_booking(self, customer_id: int, slot: str) -> dict:
        booking = {"id": next(self._ids), "customer_id": customer_id, "slot": slot}
        self.bookings[booking["id"]] = booking
        return booking

    def add_waitlist_entry(self, customer_id: int, slot: str) -> dict:
        entry = {"id": next(self._ids), "customer_id": customer_id, "slot": slot,
                 "position": sum(1 for w in self.waitlist if w["slot"] == slot) + 1}
        self.waitlist.append(entry)
        return entry
__BLIND_EOF__
mkdir -p bookings
cat > bookings/handlers.py <<'__BLIND_EOF__'
"""Request handlers of the bookings API: payload in, Response out."""

from bookings.http import Response
from bookings.store import Store


def create_customer(store: Store, payload: dict) -> Response:
    if not payload.get("email"):
        return Response(422, {"error": "email is required"})
    customer = store.add_customer(payload["email"], payload.get("name", ""))
    return Response(201, customer, {"Location": f"/customers/{customer['id']}"})


def delete_customer(store: Store, customer_id: int) -> Response:
    if not store.remove_customer(customer_id):
        return Response(404, {"error": "no such customer"})
    return Response(204)


def create_booking(store: Store, payload: dict) -> Response:
    if payload.get("customer_id") not in store.customers:
        return Response(422, {"error": "unknown customer"})
    if store.slot_taken(payload["slot"]):
        return Response(409, {"error": "slot taken"})
    booking = store.add_booking(payload["customer_id"], payload["slot"])
    return Response(201, booking, {"Location": f"/bookings/{booking['id']}"})


def get_booking(store: Store, booking_id: int) -> Response:
    booking = store.bookings.get(booking_id)
    if booking is None:
        return Response(404, {"error": "no such booking"})
    return Response(200, booking)
__BLIND_EOF__
mkdir -p tests
cat > tests/test_customers.py <<'__BLIND_EOF__'
from bookings import handlers
from bookings.store import Store


def test_create_customer():
    made = handlers.create_customer(Store(), {"email": "ana@example.org"})
    assert made.status == 201 and made.body["email"] == "ana@example.org"


def test_create_customer_needs_email():
    assert handlers.create_customer(Store(), {"name": "Ana"}).status == 422
__BLIND_EOF__
mkdir -p .github/workflows
cat > .github/workflows/tests.yml <<'__BLIND_EOF__'
name: tests
on: [push, pull_request]
jobs:
  tests:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"
      - run: pip install pytest
      - run: python -m pytest -q
__BLIND_EOF__
commit 'Priya Raman' priya.raman@acme.dev 2026-11-03T10:00:00+00:00 <<'__BLIND_EOF__'
Bookings API: customers and bookings
__BLIND_EOF__
deploy 1 2026-11-03T14:00:00Z

# --- commit 2: Waitlist: join the queue of a taken slot
mkdir -p bookings
cat > bookings/handlers.py <<'__BLIND_EOF__'
"""Request handlers of the bookings API: payload in, Response out."""

from bookings.http import Response
from bookings.store import Store


def create_customer(store: Store, payload: dict) -> Response:
    if not payload.get("email"):
        return Response(422, {"error": "email is required"})
    customer = store.add_customer(payload["email"], payload.get("name", ""))
    return Response(201, customer, {"Location": f"/customers/{customer['id']}"})


def delete_customer(store: Store, customer_id: int) -> Response:
    if not store.remove_customer(customer_id):
        return Response(404, {"error": "no such customer"})
    return Response(204)


def create_booking(store: Store, payload: dict) -> Response:
    if payload.get("customer_id") not in store.customers:
        return Response(422, {"error": "unknown customer"})
    if store.slot_taken(payload["slot"]):
        return Response(409, {"error": "slot taken"})
    booking = store.add_booking(payload["customer_id"], payload["slot"])
    return Response(201, booking, {"Location": f"/bookings/{booking['id']}"})


def get_booking(store: Store, booking_id: int) -> Response:
    booking = store.bookings.get(booking_id)
    if booking is None:
        return Response(404, {"error": "no such booking"})
    return Response(200, booking)


def create_waitlist_entry(store: Store, payload: dict) -> Response:
    """Join the waiting list of a taken slot; a free slot should be booked instead."""
    if payload.get("customer_id") not in store.customers:
        return Response(422, {"error": "unknown customer"})
    if not store.slot_taken(payload["slot"]):
        return Response(409, {"error": "slot is free: book it"})
    entry = store.add_waitlist_entry(payload["customer_id"], payload["slot"])
    return Response(201, entry, {"Location": f"/waitlist/{entry['id']}"})
__BLIND_EOF__
commit 'Amara Okafor' amara.okafor@acme.dev 2026-11-06T09:40:00+00:00 <<'__BLIND_EOF__'
Waitlist: join the queue of a taken slot
__BLIND_EOF__
deploy 2 2026-11-06T12:00:00Z

# --- commit 3: Handlers: name statuses with http.HTTPStatus
mkdir -p bookings
cat > bookings/handlers.py <<'__BLIND_EOF__'
"""Request handlers of the bookings API: payload in, Response out."""

from http import HTTPStatus

from bookings.http import Response
from bookings.store import Store


def create_customer(store: Store, payload: dict) -> Response:
    if not payload.get("email"):
        return Response(HTTPStatus.UNPROCESSABLE_ENTITY, {"error": "email is required"})
    customer = store.add_customer(payload["email"], payload.get("name", ""))
    return Response(HTTPStatus.CREATED, customer, {"Location": f"/customers/{customer['id']}"})


def delete_customer(store: Store, customer_id: int) -> Response:
    if not store.remove_customer(customer_id):
        return Response(HTTPStatus.NOT_FOUND, {"error": "no such customer"})
    return Response(HTTPStatus.NO_CONTENT)


def create_booking(store: Store, payload: dict) -> Response:
    if payload.get("customer_id") not in store.customers:
        return Response(HTTPStatus.UNPROCESSABLE_ENTITY, {"error": "unknown customer"})
    if store.slot_taken(payload["slot"]):
        return Response(HTTPStatus.CONFLICT, {"error": "slot taken"})
    booking = store.add_booking(payload["customer_id"], payload["slot"])
    return Response(HTTPStatus.OK, booking, {"Location": f"/bookings/{booking['id']}"})


def get_booking(store: Store, booking_id: int) -> Response:
    booking = store.bookings.get(booking_id)
    if booking is None:
        return Response(HTTPStatus.NOT_FOUND, {"error": "no such booking"})
    return Response(HTTPStatus.OK, booking)


def create_waitlist_entry(store: Store, payload: dict) -> Response:
    """Join the waiting list of a taken slot; a free slot should be booked instead."""
    if payload.get("customer_id") not in store.customers:
        return Response(HTTPStatus.UNPROCESSABLE_ENTITY, {"error": "unknown customer"})
    if not store.slot_taken(payload["slot"]):
        return Response(HTTPStatus.CONFLICT, {"error": "slot is free: book it"})
    entry = store.add_waitlist_entry(payload["customer_id"], payload["slot"])
    return Response(HTTPStatus.OK, entry, {"Location": f"/waitlist/{entry['id']}"})
__BLIND_EOF__
commit 'Tomas Ferreira' tomas.ferreira@acme.dev 2026-11-11T17:20:00+00:00 <<'__BLIND_EOF__'
Handlers: name statuses with http.HTTPStatus

Bare numbers were easy to get wrong in review. No behaviour change.
__BLIND_EOF__
deploy 3 2026-11-11T18:00:00Z

# --- commit 4: Tests for the bookings endpoints
mkdir -p tests
cat > tests/test_bookings.py <<'__BLIND_EOF__'
from bookings import handlers
from bookings.store import Store


def _customer(store):
    return handlers.create_customer(store, {"email": "bo@example.org"}).body["id"]


def test_create_booking():
    store = Store()
    booked = handlers.create_booking(store, {"customer_id": _customer(store), "slot": "09:00"})
    assert booked.status == 201
    assert booked.body["slot"] == "09:00"


def test_get_booking():
    store = Store()
    booked = handlers.create_booking(store, {"customer_id": _customer(store), "slot": "09:00"})
    assert handlers.get_booking(store, booked.body["id"]).body == booked.body
__BLIND_EOF__
commit 'Maya Lindqvist' maya.lindqvist@acme.dev 2026-11-12T09:58:00+00:00 <<'__BLIND_EOF__'
Tests for the bookings endpoints
__BLIND_EOF__
deploy 4 2026-11-12T10:01:00Z
