"""Real threads against a real database: no oversell, and one confirmation per payment, whatever the concurrency.

Each thread has its own database connection, so these tests commit for real (transactional_db). They need a
database that several connections can write to at once, waiting for each other: PostgreSQL, or an SQLite file
as the site uses it (WAL, BEGIN IMMEDIATE, a busy timeout). The in-memory SQLite test database answers "table is
locked" at once instead of waiting, so on SQLite these tests run on a file copy of it (see `_shared_database`).

Without the lock the race is real: test_unlocked_read_check_write_oversells shows it on PostgreSQL (a run of 50
threads for 10 places sold 50 with the naive read-check-write, and lost updates left the counter at 1; through
place_order, exactly 10). On SQLite, BEGIN IMMEDIATE serialises whole transactions, so the naive path cannot race.
"""

import sqlite3
import threading
import time
from collections import Counter
from decimal import Decimal

import pytest
from django.db import connection, connections, transaction
from django.db.utils import load_backend
from django.test import Client

from attendees.models import Order, ProcessedStripeEvent, Ticket, WaitingListEntry
from attendees.services import RegistrationError, cancel_order, join_waiting_list, offer_next, place_order
from events.models import TicketType
from tests.attendees.conftest import post_webhook
from tests.attendees.helpers import assert_counters_match, counters
from tests.factories import EventFactory, TicketTypeFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _shared_database(tmp_path):
    """On the in-memory SQLite test database, move the test to a file copy of it (schema included) that every
    thread opens with the site's own SQLite options; elsewhere, nothing to do."""
    if connection.vendor != "sqlite" or not connection.is_in_memory_db():
        yield
        return
    memory = connections["default"]
    memory.ensure_connection()
    path = tmp_path / "threads.sqlite3"
    with sqlite3.connect(path) as copy:
        memory.connection.backup(copy)
    copy.close()
    settings_dict = {**connections.settings["default"], "NAME": str(path)}
    connections.settings["default"] = settings_dict
    connections["default"] = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, "default")
    try:
        yield
    finally:
        connections["default"].close()
        connections.settings["default"] = memory.settings_dict
        connections["default"] = memory


def in_threads(count: int, work) -> list:
    """Run work(i) in `count` threads released together; each result is a value or the exception raised."""
    barrier = threading.Barrier(count)
    results = [None] * count

    def run(i):
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as exc:  # noqa: BLE001 (reported to the test, which asserts on it)
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def attempt(event, quantities, email) -> str:
    try:
        place_order(
            event=event,
            quantities=quantities,
            holders=[("Fan", email)] * sum(quantities.values()),
            buyer_name="Fan",
            buyer_email=email,
        )
    except RegistrationError as exc:
        return exc.code
    return "ok"


def test_place_order_500_attempts_from_50_threads_sell_exactly_100():
    event = EventFactory(capacity=100)
    ticket_type = TicketTypeFactory(event=event, quantity=100)

    def buyer(i):
        return [attempt(event, {ticket_type.pk: 1}, f"fan{i}-{n}@example.com") for n in range(10)]

    outcomes = Counter(code for codes in in_threads(50, buyer) for code in codes)

    assert outcomes == {"ok": 100, "sold_out": 400}
    assert Ticket.objects.count() == 100
    assert counters(event) == (100, {ticket_type.pk: 100})


def test_place_order_ticket_types_sharing_the_event_capacity_never_oversell():
    event = EventFactory(capacity=30)
    types = [
        TicketTypeFactory(event=event, name="Early", quantity=10),
        TicketTypeFactory(event=event, name="Regular", quantity=10),
        TicketTypeFactory(event=event, name="Supporter", quantity=20),
    ]

    def buyer(i):
        codes = []
        for n in range(6):
            ticket_type = types[(i + n) % 3]
            codes.append(attempt(event, {ticket_type.pk: 1 + n % 2}, f"fan{i}-{n}@example.com"))
        return codes

    outcomes = Counter(code for codes in in_threads(50, buyer) for code in codes)

    assert set(outcomes) <= {"ok", "sold_out", "not_enough_left"}
    seats, sold = counters(event)
    assert seats == 30
    assert all(sold[t.pk] <= t.quantity for t in types)
    assert Ticket.objects.count() == 30
    assert_counters_match(event)


def test_place_order_paid_from_30_threads_holds_exactly_10(fake_stripe):
    event = EventFactory(capacity=10)
    ticket_type = TicketTypeFactory(event=event, quantity=50, price=Decimal("5"))

    outcomes = Counter(in_threads(30, lambda i: attempt(event, {ticket_type.pk: 1}, f"fan{i}@example.com")))

    assert outcomes == {"ok": 10, "sold_out": 20}
    assert len(fake_stripe.sessions) == 10
    assert set(Order.objects.values_list("status", flat=True)) == {Order.Status.PENDING_PAYMENT}
    assert set(Order.objects.values_list("stripe_checkout_session_id", flat=True)) == set(fake_stripe.sessions)
    assert counters(event) == (10, {ticket_type.pk: 10})


def test_unlocked_read_check_write_oversells():
    """The race the lock prevents: read the counter, check, write it back, from 50 threads for 10 places."""
    if connection.vendor == "sqlite":
        pytest.skip("SQLite's BEGIN IMMEDIATE already serialises the whole transaction: no race to show")
    ticket_type = TicketTypeFactory(event=EventFactory(capacity=None), quantity=10)

    def naive(i):
        with transaction.atomic():
            current = TicketType.objects.get(pk=ticket_type.pk)
            if current.quantity_sold >= current.quantity:
                return "sold_out"
            time.sleep(0.01)  # the time a real request spends between its check and its write
            current.quantity_sold += 1
            current.save(update_fields=["quantity_sold"])
            return "ok"

    outcomes = Counter(in_threads(50, naive))

    assert outcomes["ok"] > 10


def test_webhook_same_event_delivered_20_times_at_once_confirms_once(fake_stripe):
    ticket_type = TicketTypeFactory(event=EventFactory(capacity=5), quantity=5, price=Decimal("9"))
    order = place_order(
        event=ticket_type.event,
        quantities={ticket_type.pk: 1},
        holders=[("Ada", "ada@example.com")],
        buyer_name="Ada",
        buyer_email="ada@example.com",
    )
    fake_stripe.pay(order.stripe_checkout_session_id)
    payload = fake_stripe.event("checkout.session.completed", order.stripe_checkout_session_id)
    signature = fake_stripe.sign(payload)

    responses = in_threads(20, lambda i: post_webhook(Client(), payload, signature))

    assert Counter((r.status_code, r.content) for r in responses) == {(200, b"confirmed"): 1, (200, b"duplicate"): 19}
    assert ProcessedStripeEvent.objects.count() == 1
    assert Order.objects.get(pk=order.pk).status == Order.Status.CONFIRMED
    assert counters(ticket_type.event) == (1, {ticket_type.pk: 1})


def test_webhook_20_different_events_for_one_payment_at_once_confirm_once(fake_stripe):
    ticket_type = TicketTypeFactory(event=EventFactory(capacity=5), quantity=5, price=Decimal("9"))
    order = place_order(
        event=ticket_type.event,
        quantities={ticket_type.pk: 2},
        holders=[("Ada", "ada@example.com"), ("Bo", "bo@example.com")],
        buyer_name="Ada",
        buyer_email="ada@example.com",
    )
    fake_stripe.pay(order.stripe_checkout_session_id)
    kinds = ["checkout.session.completed", "checkout.session.async_payment_succeeded", "checkout.session.expired"]
    deliveries = []
    for i in range(20):
        payload = fake_stripe.event(kinds[i % 3], order.stripe_checkout_session_id)
        deliveries.append((payload, fake_stripe.sign(payload)))

    responses = in_threads(20, lambda i: post_webhook(Client(), *deliveries[i]))

    assert Counter(r.content for r in responses) == {b"confirmed": 1, b"no_change": 19}
    assert ProcessedStripeEvent.objects.count() == 20
    assert Order.objects.get(pk=order.pk).status == Order.Status.CONFIRMED
    assert counters(ticket_type.event) == (2, {ticket_type.pk: 2})


def test_waiting_list_places_freed_at_once_are_each_offered_once():
    ticket_type = TicketTypeFactory(event=EventFactory(capacity=5), quantity=10)
    orders = [
        place_order(
            event=ticket_type.event,
            quantities={ticket_type.pk: 1},
            holders=[("Fan", f"fan{i}@example.com")],
            buyer_name="Fan",
            buyer_email=f"fan{i}@example.com",
        )
        for i in range(5)
    ]
    for i in range(10):
        join_waiting_list(event=ticket_type.event, name="Wait", email=f"wait{i}@example.com")

    def work(i):
        # Five cancellations and five extra offer rounds race each other.
        return cancel_order(order=orders[i]) if i < 5 else offer_next(event=ticket_type.event)

    results = in_threads(10, work)

    assert [r for r in results if isinstance(r, Exception)] == []
    offered = WaitingListEntry.objects.filter(status=WaitingListEntry.Status.OFFERED)
    assert sorted(offered.values_list("email", flat=True)) == [f"wait{i}@example.com" for i in range(5)]
    assert counters(ticket_type.event) == (5, {ticket_type.pk: 0})
    assert_counters_match(ticket_type.event)
