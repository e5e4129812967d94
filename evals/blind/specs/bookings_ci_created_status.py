"""blind-bookings-ci-created-status (ci)."""

from __future__ import annotations

from evals.blind.model import Case, Commit, Edit, WrongFix
from evals.blind.people import AMARA, MAYA, PRIYA, TOMAS
from evals.generate.spec import CI_WORKFLOW

_BK_HTTP = '''"""The response type handlers return; the web adapter turns it into HTTP."""

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Response:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
'''

_BK_STORE = '''"""In-memory store (the service swaps in Postgres behind the same methods)."""

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
'''

_BK_HANDLERS_1 = '''"""Request handlers of the bookings API: payload in, Response out."""

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
'''

_BK_WAITLIST = '''

def create_waitlist_entry(store: Store, payload: dict) -> Response:
    """Join the waiting list of a taken slot; a free slot should be booked instead."""
    if payload.get("customer_id") not in store.customers:
        return Response(422, {"error": "unknown customer"})
    if not store.slot_taken(payload["slot"]):
        return Response(409, {"error": "slot is free: book it"})
    entry = store.add_waitlist_entry(payload["customer_id"], payload["slot"])
    return Response(201, entry, {"Location": f"/waitlist/{entry['id']}"})
'''

_BK_HANDLERS_2 = _BK_HANDLERS_1 + _BK_WAITLIST


def _bk_named(text: str) -> str:
    """The culprit: statuses named with HTTPStatus, and both creations mapped to OK."""
    text = text.replace("from bookings.http import Response\n",
                        "from http import HTTPStatus\n\nfrom bookings.http import Response\n")
    text = text.replace("Response(201, booking,", "Response(HTTPStatus.OK, booking,")
    text = text.replace("Response(201, entry,", "Response(HTTPStatus.OK, entry,")
    for code, name in (("422", "UNPROCESSABLE_ENTITY"), ("201", "CREATED"),
                       ("404", "NOT_FOUND"), ("204", "NO_CONTENT"), ("409", "CONFLICT"),
                       ("200", "OK")):
        text = text.replace(f"Response({code}", f"Response(HTTPStatus.{name}")
    return text


_BK_HANDLERS_3 = _bk_named(_BK_HANDLERS_2)

_BK_JUDGE = '''from bookings import handlers
from bookings.store import Store


def _with_customer():
    store = Store()
    made = handlers.create_customer(store, {"email": "ana@example.org", "name": "Ana"})
    return store, made


def test_customer_lifecycle_statuses():
    store, made = _with_customer()
    assert made.status == 201 and made.headers["Location"] == f"/customers/{made.body['id']}"
    assert handlers.create_customer(store, {}).status == 422
    assert handlers.delete_customer(store, made.body["id"]).status == 204
    assert handlers.delete_customer(store, made.body["id"]).status == 404


def test_booking_is_created_with_201_and_location():
    store, made = _with_customer()
    booked = handlers.create_booking(store, {"customer_id": made.body["id"], "slot": "09:00"})
    assert booked.status == 201
    assert booked.headers == {"Location": f"/bookings/{booked.body['id']}"}
    assert handlers.get_booking(store, booked.body["id"]).status == 200
    assert handlers.get_booking(store, 999).status == 404


def test_taken_slot_conflicts():
    store, made = _with_customer()
    handlers.create_booking(store, {"customer_id": made.body["id"], "slot": "09:00"})
    again = handlers.create_booking(store, {"customer_id": made.body["id"], "slot": "09:00"})
    assert again.status == 409
    assert handlers.create_booking(store, {"customer_id": 999, "slot": "10:00"}).status == 422


def test_waitlist_entry_is_created_with_201_and_location():
    store, made = _with_customer()
    cid = made.body["id"]
    handlers.create_booking(store, {"customer_id": cid, "slot": "09:00"})
    entry = handlers.create_waitlist_entry(store, {"customer_id": cid, "slot": "09:00"})
    assert entry.status == 201 and entry.body["position"] == 1
    assert entry.headers == {"Location": f"/waitlist/{entry.body['id']}"}
    free = handlers.create_waitlist_entry(store, {"customer_id": cid, "slot": "11:00"})
    assert free.status == 409
'''

CASE = Case(
    id="blind-bookings-ci-created-status",
    title="CI failure: POST /bookings answers 200 instead of 201",
    source="ci", service="bookings", received_at="2026-11-12T10:05:00Z",
    tags=("wrong-literal", "http-status", "multi-site", "regression"),
    commits=(
        Commit("Bookings API: customers and bookings", PRIYA, "2026-11-03T10:00:00+00:00", {
            "bookings/__init__.py": '"""Appointment bookings API."""\n',
            "bookings/http.py": _BK_HTTP,
            "bookings/store.py": _BK_STORE,
            "bookings/handlers.py": _BK_HANDLERS_1,
            "tests/test_customers.py": '''from bookings import handlers
from bookings.store import Store


def test_create_customer():
    made = handlers.create_customer(Store(), {"email": "ana@example.org"})
    assert made.status == 201 and made.body["email"] == "ana@example.org"


def test_create_customer_needs_email():
    assert handlers.create_customer(Store(), {"name": "Ana"}).status == 422
''',
            ".github/workflows/tests.yml": CI_WORKFLOW,
        }, deploy="2026-11-03T14:00:00Z"),
        Commit("Waitlist: join the queue of a taken slot", AMARA, "2026-11-06T09:40:00+00:00",
               {"bookings/handlers.py": _BK_HANDLERS_2}, deploy="2026-11-06T12:00:00Z"),
        Commit("Handlers: name statuses with http.HTTPStatus\n\n"
               "Bare numbers were easy to get wrong in review. No behaviour change.\n",
               TOMAS, "2026-11-11T17:20:00+00:00", {"bookings/handlers.py": _BK_HANDLERS_3},
               deploy="2026-11-11T18:00:00Z"),
        Commit("Tests for the bookings endpoints", MAYA, "2026-11-12T09:58:00+00:00", {
            "tests/test_bookings.py": '''from bookings import handlers
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
''',
        }, deploy="2026-11-12T10:01:00Z"),
    ),
    culprit=3, files=("bookings/handlers.py",),
    functions=("create_booking", "create_waitlist_entry"),
    judge=_BK_JUDGE,
    fix=(Edit("bookings/handlers.py", "Response(HTTPStatus.OK, booking,",
              "Response(HTTPStatus.CREATED, booking,"),
         Edit("bookings/handlers.py", "Response(HTTPStatus.OK, entry,",
              "Response(HTTPStatus.CREATED, entry,")),
    wrong_fixes=(
        WrongFix("fixes only create_booking, the handler the failing test calls", (
            Edit("bookings/handlers.py", "Response(HTTPStatus.OK, booking,",
                 "Response(HTTPStatus.CREATED, booking,"),
        )),
        WrongFix("changes the test to expect 200", (
            Edit("tests/test_bookings.py", "assert booked.status == 201",
                 "assert booked.status == 200"),
        )),
    ),
    summary={"bug": "the HTTPStatus refactor mapped both 201s of create_booking and "
                    "create_waitlist_entry to HTTPStatus.OK",
             "fix": "HTTPStatus.CREATED in both handlers (create_customer shows the literal)",
             "trap": "fixing only create_booking (the visible test); editing the test to 200"},
)
