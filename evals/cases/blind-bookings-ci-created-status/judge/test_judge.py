from bookings import handlers
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
