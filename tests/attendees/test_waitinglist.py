"""The waiting list: joining, offers to the next in line, claiming, expiry and leaving."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from attendees.models import Order, WaitingListEntry
from attendees.services import (
    RegistrationError,
    cancel_order,
    expire_offers,
    join_waiting_list,
    leave_waiting_list,
    offer_next,
    place_order,
    recount_event,
    refund_order,
)
from attendees.services.waitinglist import claim_window_for, offer_free_places
from events.models import Event
from tests.attendees.helpers import assert_counters_match, counters
from tests.factories import EventFactory, TicketTypeFactory

pytestmark = pytest.mark.django_db


def register(ticket_type, email, quantity=1, **kwargs):
    return place_order(
        event=ticket_type.event,
        quantities={ticket_type.pk: quantity},
        holders=[("Fan", email)] * quantity,
        buyer_name="Fan",
        buyer_email=email,
        **kwargs,
    )


def join(event, email, quantity=1):
    return join_waiting_list(event=event, name=email.split("@")[0].title(), email=email, quantity=quantity)


@pytest.fixture
def full(db):
    """A free event with 2 places, both taken (one order each), and three people waiting: a, b, c."""
    ticket_type = TicketTypeFactory(event=EventFactory(capacity=2), quantity=10)
    orders = [register(ticket_type, "x@example.com"), register(ticket_type, "y@example.com")]
    entries = [join(ticket_type.event, f"{n}@example.com") for n in "abc"]
    return ticket_type, orders, entries


def statuses(entries):
    return [WaitingListEntry.objects.get(pk=e.pk).status for e in entries]


def test_join_waiting_list_when_sold_out(full):
    ticket_type, _, _ = full

    entry = join_waiting_list(event=ticket_type.event, name=" Dee ", email="Dee@Example.com", quantity=2, language="fr")

    entry.refresh_from_db()
    assert (entry.name, entry.email, entry.quantity, entry.language, entry.status) == (
        "Dee",
        "dee@example.com",
        2,
        "fr",
        WaitingListEntry.Status.WAITING,
    )
    assert (entry.offer_token, len(entry.access_token)) == (None, 32)


def test_join_waiting_list_while_places_are_left_is_refused(db):
    event = TicketTypeFactory(event=EventFactory(capacity=5)).event

    with pytest.raises(RegistrationError) as exc:
        join(event, "a@example.com")

    assert (exc.value.code, exc.value.message) == (
        "places_available",
        "There are places left: you can register right away.",
    )
    assert WaitingListEntry.objects.count() == 0


def test_join_waiting_list_for_more_than_is_left_is_allowed(db):
    ticket_type = TicketTypeFactory(event=EventFactory(capacity=2))
    register(ticket_type, "x@example.com")

    entry = join(ticket_type.event, "a@example.com", quantity=2)

    assert entry.status == WaitingListEntry.Status.WAITING


def test_join_waiting_list_twice_is_refused(full):
    ticket_type, _, _ = full

    with pytest.raises(RegistrationError) as exc:
        join(ticket_type.event, "A@example.com")

    assert (exc.value.code, exc.value.message) == ("duplicate", "This e-mail address is already on the waiting list.")
    assert WaitingListEntry.objects.count() == 3


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"quantity": 0}, "quantity_out_of_range"),
        ({"quantity": 11}, "quantity_out_of_range"),
        ({"quantity": "2"}, "quantity_out_of_range"),
        ({"email": "nope"}, "email_invalid"),
        ({"name": ""}, "name_required"),
    ],
)
def test_join_waiting_list_bad_input_is_refused(full, kwargs, code):
    ticket_type, _, _ = full
    values = {"name": "Dee", "email": "dee@example.com", "quantity": 1, **kwargs}

    with pytest.raises(RegistrationError) as exc:
        join_waiting_list(event=ticket_type.event, **values)

    assert exc.value.code == code
    assert WaitingListEntry.objects.count() == 3


def test_join_waiting_list_of_a_cancelled_event_is_refused(full):
    ticket_type, _, _ = full
    Event.objects.filter(pk=ticket_type.event_id).update(status=Event.Status.CANCELLED)

    with pytest.raises(RegistrationError) as exc:
        join(ticket_type.event, "dee@example.com")

    assert exc.value.code == "event_cancelled"


def test_cancellation_offers_the_place_to_the_first_in_line(full):
    ticket_type, orders, (a, b, c) = full
    before = timezone.now()

    cancel_order(order=orders[0])

    a.refresh_from_db()
    assert statuses([a, b, c]) == ["offered", "waiting", "waiting"]
    assert a.offered_quantity == 1
    assert len(a.offer_token) == 32
    assert before + dt.timedelta(hours=24) <= a.offer_expires_at <= timezone.now() + dt.timedelta(hours=24)
    assert counters(ticket_type.event) == (2, {ticket_type.pk: 1})  # 1 ticket + 1 seat held by the offer
    assert_counters_match(ticket_type.event)


def test_offered_place_cannot_be_taken_by_someone_else(full):
    ticket_type, orders, _ = full
    cancel_order(order=orders[0])

    with pytest.raises(RegistrationError) as exc:
        register(ticket_type, "public@example.com")

    assert exc.value.code == "sold_out"


def test_claim_offer_registers_with_the_held_place(full):
    ticket_type, orders, (a, b, c) = full
    cancel_order(order=orders[0])
    a.refresh_from_db()

    order = register(ticket_type, "a@example.com", offer_token=a.offer_token)

    a.refresh_from_db()
    assert (order.status, a.status, a.order) == (Order.Status.CONFIRMED, WaitingListEntry.Status.CLAIMED, order)
    assert statuses([b, c]) == ["waiting", "waiting"]
    assert counters(ticket_type.event) == (2, {ticket_type.pk: 2})
    assert_counters_match(ticket_type.event)


def test_claim_offer_with_fewer_places_passes_the_rest_on(db):
    ticket_type = TicketTypeFactory(event=EventFactory(capacity=2), quantity=10)
    first = register(ticket_type, "x@example.com", quantity=2)
    a = join(ticket_type.event, "a@example.com", quantity=2)
    b = join(ticket_type.event, "b@example.com")
    cancel_order(order=first)
    a.refresh_from_db()

    register(ticket_type, "a@example.com", quantity=1, offer_token=a.offer_token)

    assert statuses([a, b]) == ["claimed", "offered"]
    assert_counters_match(ticket_type.event)


@pytest.mark.parametrize(
    ("token", "quantity", "code"),
    [
        ("wrong-token-wrong-token-wrong-token", 1, "offer_invalid"),
        ("", 1, "offer_invalid"),
        ("OFFER", 2, "quantity_out_of_range"),
    ],
)
def test_claim_offer_bad_token_or_quantity_is_refused(full, token, quantity, code):
    ticket_type, orders, (a, _, _) = full
    cancel_order(order=orders[0])
    a.refresh_from_db()

    with pytest.raises(RegistrationError) as exc:
        register(
            ticket_type, "a@example.com", quantity=quantity, offer_token=a.offer_token if token == "OFFER" else token
        )

    assert exc.value.code == code
    assert WaitingListEntry.objects.get(pk=a.pk).status == WaitingListEntry.Status.OFFERED
    assert counters(ticket_type.event) == (2, {ticket_type.pk: 1})


def test_claim_offer_of_another_event_is_refused(full):
    ticket_type, orders, (a, _, _) = full
    cancel_order(order=orders[0])
    a.refresh_from_db()
    other = TicketTypeFactory(event=EventFactory(capacity=5))

    with pytest.raises(RegistrationError) as exc:
        register(other, "a@example.com", offer_token=a.offer_token)

    assert exc.value.code == "offer_invalid"


def test_claim_offer_after_its_expiry_is_refused(full):
    ticket_type, orders, (a, _, _) = full
    cancel_order(order=orders[0])
    WaitingListEntry.objects.filter(pk=a.pk).update(offer_expires_at=timezone.now() - dt.timedelta(seconds=1))
    a.refresh_from_db()

    with pytest.raises(RegistrationError) as exc:
        register(ticket_type, "a@example.com", offer_token=a.offer_token)

    assert (exc.value.code, exc.value.message) == (
        "offer_expired",
        "This offer has expired and the places went to the next in line.",
    )


def test_expire_offers_passes_the_place_to_the_next_in_line(full):
    ticket_type, orders, (a, b, c) = full
    cancel_order(order=orders[0])
    WaitingListEntry.objects.filter(pk=a.pk).update(offer_expires_at=timezone.now() - dt.timedelta(seconds=1))

    assert expire_offers() == 1
    assert expire_offers() == 0

    assert statuses([a, b, c]) == ["expired", "offered", "waiting"]
    assert counters(ticket_type.event) == (2, {ticket_type.pk: 1})
    assert_counters_match(ticket_type.event)


def test_place_order_when_full_passes_expired_offers_to_the_line_not_to_the_buyer(full):
    ticket_type, orders, (a, b, _) = full
    cancel_order(order=orders[0])
    WaitingListEntry.objects.filter(pk=a.pk).update(offer_expires_at=timezone.now() - dt.timedelta(seconds=1))

    with pytest.raises(RegistrationError) as exc:
        register(ticket_type, "public@example.com")

    assert exc.value.code == "sold_out"
    assert statuses([a, b]) == ["expired", "offered"]  # committed although the buyer was refused


def test_offer_next_never_offers_the_same_freed_place_twice(full):
    ticket_type, orders, (a, b, c) = full
    cancel_order(order=orders[0])

    assert offer_next(event=ticket_type.event) == []
    assert offer_next(event=ticket_type.event) == []

    assert statuses([a, b, c]) == ["offered", "waiting", "waiting"]
    assert counters(ticket_type.event)[0] == 2


def test_offer_next_after_capacity_raised_offers_the_new_places(full):
    ticket_type, _, (a, b, c) = full
    Event.objects.filter(pk=ticket_type.event_id).update(capacity=4)

    offered = offer_next(event=ticket_type.event)

    assert [e.pk for e in offered] == [a.pk, b.pk]
    assert statuses([a, b, c]) == ["offered", "offered", "waiting"]
    assert_counters_match(ticket_type.event)


def test_offer_next_skips_who_wants_more_than_is_free_but_keeps_their_rank(db):
    ticket_type = TicketTypeFactory(event=EventFactory(capacity=2), quantity=10)
    orders = [register(ticket_type, "x@example.com"), register(ticket_type, "y@example.com")]
    big = join(ticket_type.event, "big@example.com", quantity=2)
    small = join(ticket_type.event, "small@example.com")

    cancel_order(order=orders[0])
    assert statuses([big, small]) == ["waiting", "offered"]

    leave_waiting_list(entry=small)
    cancel_order(order=orders[1])
    assert statuses([big, small]) == ["offered", "left"]
    assert WaitingListEntry.objects.get(pk=big.pk).offered_quantity == 2


def test_offer_next_for_a_closed_event_offers_nothing(full):
    ticket_type, _, (a, _, _) = full
    Event.objects.filter(pk=ticket_type.event_id).update(capacity=3, status=Event.Status.CANCELLED)

    assert offer_next(event=ticket_type.event) == []
    assert statuses([a]) == ["waiting"]


@pytest.mark.parametrize(
    ("starts_in", "window", "expected"),
    [
        (dt.timedelta(days=7), dt.timedelta(hours=24), dt.timedelta(hours=24)),
        (dt.timedelta(days=7), dt.timedelta(hours=6), dt.timedelta(hours=6)),
        (dt.timedelta(hours=8), dt.timedelta(hours=24), dt.timedelta(hours=2)),
        (dt.timedelta(hours=1), dt.timedelta(hours=24), dt.timedelta(minutes=30)),
    ],
)
def test_claim_window_is_shorter_when_the_event_is_near(starts_in, window, expected):
    now = timezone.now()
    event = Event(start=now + starts_in)

    assert claim_window_for(event=event, now=now, window=window) == expected


def test_offer_never_outlasts_registration(db):
    now = timezone.now()
    closes = now + dt.timedelta(hours=3)
    ticket_type = TicketTypeFactory(event=EventFactory(capacity=1, registration_closes_at=closes), quantity=5)
    order = register(ticket_type, "x@example.com")
    a = join(ticket_type.event, "a@example.com")

    cancel_order(order=order)

    assert WaitingListEntry.objects.get(pk=a.pk).offer_expires_at == closes


def test_leave_waiting_list_while_waiting(full):
    _, _, (a, b, _) = full

    left = leave_waiting_list(entry=a)

    assert left.status == WaitingListEntry.Status.LEFT
    assert statuses([a, b]) == ["left", "waiting"]


def test_leave_waiting_list_with_an_offer_passes_it_on(full):
    ticket_type, orders, (a, b, _) = full
    cancel_order(order=orders[0])

    leave_waiting_list(entry=a)

    assert statuses([a, b]) == ["left", "offered"]
    assert_counters_match(ticket_type.event)


def test_leave_waiting_list_twice_is_harmless(full):
    _, _, (a, _, _) = full
    leave_waiting_list(entry=a)

    assert leave_waiting_list(entry=a).status == WaitingListEntry.Status.LEFT


def test_leave_waiting_list_after_claiming_is_refused(full):
    ticket_type, orders, (a, _, _) = full
    cancel_order(order=orders[0])
    a.refresh_from_db()
    register(ticket_type, "a@example.com", offer_token=a.offer_token)

    with pytest.raises(RegistrationError) as exc:
        leave_waiting_list(entry=a)

    assert exc.value.code == "already_claimed"


def test_rejoin_after_leaving_is_allowed(full):
    ticket_type, _, (a, _, _) = full
    leave_waiting_list(entry=a)

    again = join(ticket_type.event, "a@example.com")

    assert again.status == WaitingListEntry.Status.WAITING


def test_paid_claim_that_is_never_paid_goes_to_the_next_in_line(fake_stripe, webhook):
    ticket_type = TicketTypeFactory(event=EventFactory(capacity=1), quantity=5, price=Decimal("10"))
    first = register(ticket_type, "x@example.com")
    fake_stripe.pay(first.stripe_checkout_session_id)
    webhook("checkout.session.completed", first.stripe_checkout_session_id)
    a = join(ticket_type.event, "a@example.com")
    b = join(ticket_type.event, "b@example.com")

    refund_order(order=Order.objects.get(pk=first.pk))
    a.refresh_from_db()
    claim = register(ticket_type, "a@example.com", offer_token=a.offer_token)
    assert claim.status == Order.Status.PENDING_PAYMENT
    fake_stripe.expire(claim.stripe_checkout_session_id)

    response = webhook("checkout.session.expired", claim.stripe_checkout_session_id)

    assert response.content == b"released"
    assert statuses([a, b]) == ["claimed", "offered"]
    assert_counters_match(ticket_type.event)


def test_recount_event_repairs_counters_from_the_rows(full):
    ticket_type, orders, _ = full
    cancel_order(order=orders[0])
    Event.objects.filter(pk=ticket_type.event_id).update(seats_taken=7)
    ticket_type.__class__.objects.filter(pk=ticket_type.pk).update(quantity_sold=0)

    recount_event(event=ticket_type.event)

    assert counters(ticket_type.event) == (2, {ticket_type.pk: 1})


def test_offer_next_passes_over_someone_who_registered_meanwhile(db):
    ticket_type = TicketTypeFactory(event=EventFactory(capacity=2), quantity=10)
    first = register(ticket_type, "x@example.com")
    register(ticket_type, "y@example.com", quantity=1)
    a = join(ticket_type.event, "a@example.com")
    b = join(ticket_type.event, "b@example.com")
    Event.objects.filter(pk=ticket_type.event_id).update(capacity=3)
    register(ticket_type, "a@example.com")  # a place opened and "a" took it directly

    cancel_order(order=first)

    assert statuses([a, b]) == ["left", "offered"]
    assert_counters_match(ticket_type.event)


def test_offer_free_places_offers_what_a_capacity_raise_freed(full):
    ticket_type, _, (a, b, c) = full
    Event.objects.filter(pk=ticket_type.event_id).update(capacity=3)

    assert offer_free_places() == 1
    assert offer_free_places() == 0

    assert statuses([a, b, c]) == ["offered", "waiting", "waiting"]
