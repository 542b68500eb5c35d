"""Approval mode and the organiser's decisions: approve, decline, cancel, refund, add a guest by hand."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from attendees.models import Order, OutgoingEmail, Ticket, WaitingListEntry
from attendees.services import RegistrationError, join_waiting_list, place_order
from attendees.services.approval import (
    MAX_PAYMENT_WINDOW,
    add_registration,
    approve_order,
    cancel_registration,
    decline_order,
    payment_window,
    refund_registration,
    resend_tickets,
)
from attendees.services.payments import CHECKOUT_LIFETIME
from events.models import Event
from tests.attendees.helpers import assert_counters_match, counters
from tests.factories import EventFactory, TicketTypeFactory, UserFactory

pytestmark = pytest.mark.django_db

COMPLETED = "checkout.session.completed"


def register(ticket_type, *, email="ada@example.com", quantity=1):
    return place_order(
        event=ticket_type.event,
        quantities={ticket_type.pk: quantity},
        holders=[(f"Holder {i}", f"h{i}@example.com") for i in range(quantity)],
        buyer_name="Ada Lovelace",
        buyer_email=email,
    )


def fresh(order) -> Order:
    return Order.objects.get(pk=order.pk)


def emails_of(order) -> list[str]:
    return list(OutgoingEmail.objects.filter(order=order).order_by("pk").values_list("kind", flat=True))


@pytest.fixture
def organiser_user(db):
    return UserFactory()


@pytest.fixture
def free_type(db):
    return TicketTypeFactory(event=EventFactory(capacity=2, approval_required=True), quantity=10)


@pytest.fixture
def paid_type(db):
    return TicketTypeFactory(event=EventFactory(capacity=2, approval_required=True), quantity=10, price=Decimal("12"))


# Registering on an approval-required event


def test_place_order_on_approval_event_waits_with_its_seats_held(free_type):
    order = register(free_type, quantity=2)

    order = fresh(order)
    assert (order.status, order.confirmed_at, order.hold_expires_at) == (Order.Status.PENDING_APPROVAL, None, None)
    assert set(order.tickets.values_list("status", flat=True)) == {Ticket.Status.VALID}
    assert counters(free_type.event) == (2, {free_type.pk: 2})
    assert emails_of(order) == ["pending_approval"]


def test_place_order_paid_on_approval_event_opens_no_checkout_yet(paid_type, fake_stripe):
    order = register(paid_type)

    order = fresh(order)
    assert (order.status, order.stripe_checkout_session_id, order.total) == (
        Order.Status.PENDING_APPROVAL,
        None,
        Decimal("12.00"),
    )
    assert fake_stripe.sessions == {}
    assert counters(paid_type.event) == (1, {paid_type.pk: 1})


def test_place_order_on_approval_event_still_refuses_beyond_capacity(free_type):
    register(free_type, quantity=2)

    with pytest.raises(RegistrationError) as exc:
        register(free_type, email="late@example.com")

    assert exc.value.code == "sold_out"
    assert Order.objects.count() == 1


# Approving


def test_approve_order_free_confirms_and_sends_the_tickets(free_type, organiser_user):
    order = register(free_type, quantity=2)

    approved = approve_order(order=order, by=organiser_user)

    order = fresh(order)
    assert approved.status == order.status == Order.Status.CONFIRMED
    assert order.confirmed_at is not None
    assert counters(free_type.event) == (2, {free_type.pk: 2})
    assert emails_of(order) == ["pending_approval", "confirmation"]
    assert_counters_match(free_type.event)


def test_approve_order_paid_opens_checkout_and_holds_the_seats_until_it_expires(
    paid_type, fake_stripe, organiser_user, webhook
):
    order = register(paid_type)
    before = timezone.now()

    approve_order(order=order, by=organiser_user)

    order = fresh(order)
    session = fake_stripe.sessions[order.stripe_checkout_session_id]
    assert order.status == Order.Status.PENDING_PAYMENT
    assert (order.stripe_checkout_url, session["amount_total"], session["currency"]) == (session["url"], 1200, "eur")
    assert order.hold_expires_at == dt.datetime.fromtimestamp(session["expires_at"], tz=dt.UTC)
    # The event is a week away: the fan has the event's claim window (24 hours), within Stripe's limit.
    assert before + MAX_PAYMENT_WINDOW - dt.timedelta(seconds=1) <= order.hold_expires_at
    assert order.hold_expires_at <= timezone.now() + MAX_PAYMENT_WINDOW
    assert counters(paid_type.event) == (1, {paid_type.pk: 1})
    assert emails_of(order) == ["pending_approval", "approved"]

    fake_stripe.pay(order.stripe_checkout_session_id)
    assert webhook(COMPLETED, order.stripe_checkout_session_id).content == b"confirmed"
    assert fresh(order).status == Order.Status.CONFIRMED


def test_approve_order_paid_when_stripe_is_down_changes_nothing(paid_type, fake_stripe, organiser_user):
    order = register(paid_type)
    fake_stripe.fail_next("POST", "/v1/checkout/sessions", status=500)

    with pytest.raises(RegistrationError) as exc:
        approve_order(order=order, by=organiser_user)

    assert exc.value.code == "payment_unavailable"
    order = fresh(order)
    assert (order.status, order.stripe_checkout_session_id) == (Order.Status.PENDING_APPROVAL, None)
    assert counters(paid_type.event) == (1, {paid_type.pk: 1})
    assert emails_of(order) == ["pending_approval"]


def test_approve_order_paid_without_stripe_keys_is_refused(paid_type, fake_stripe, organiser_user, settings):
    order = register(paid_type)
    settings.STRIPE_SECRET_KEY = ""

    with pytest.raises(RegistrationError) as exc:
        approve_order(order=order, by=organiser_user)

    assert exc.value.code == "payments_not_configured"
    assert fresh(order).status == Order.Status.PENDING_APPROVAL


def test_approve_order_twice_is_refused_and_changes_nothing(paid_type, fake_stripe, organiser_user):
    order = register(paid_type)
    approve_order(order=order, by=organiser_user)
    session_id = fresh(order).stripe_checkout_session_id

    with pytest.raises(RegistrationError) as exc:
        approve_order(order=order, by=organiser_user)

    assert (exc.value.code, exc.value.message) == (
        "not_pending_approval",
        "This registration is not waiting for approval any more (it is now “Pending payment”): nothing was changed.",
    )
    assert list(fake_stripe.sessions) == [session_id]
    assert emails_of(order) == ["pending_approval", "approved"]


def test_approve_order_of_a_cancelled_event_is_refused(free_type, organiser_user):
    order = register(free_type)
    Event.objects.filter(pk=free_type.event_id).update(status=Event.Status.CANCELLED)

    with pytest.raises(RegistrationError) as exc:
        approve_order(order=order, by=organiser_user)

    assert exc.value.code == "event_cancelled"
    assert fresh(order).status == Order.Status.PENDING_APPROVAL


def test_approve_order_declined_meanwhile_closes_the_checkout_it_opened(
    paid_type, fake_stripe, organiser_user, monkeypatch
):
    """Another organiser declines while this one's approval waits for Stripe: no payment link stays open."""
    from attendees.services import approval

    order = register(paid_type)
    real_open = approval.payments.open_checkout_session

    def open_then_decline(**kwargs):
        session = real_open(**kwargs)
        decline_order(order=order, by=organiser_user)
        return session

    monkeypatch.setattr(approval.payments, "open_checkout_session", open_then_decline)

    with pytest.raises(RegistrationError) as exc:
        approve_order(order=order, by=organiser_user)

    assert exc.value.code == "not_pending_approval"
    assert fresh(order).status == Order.Status.DECLINED
    assert [s["status"] for s in fake_stripe.sessions.values()] == ["expired"]


@pytest.mark.parametrize(
    ("starts_in", "claim_hours", "expected"),
    [
        (dt.timedelta(days=7), 6, dt.timedelta(hours=6)),
        (dt.timedelta(days=7), 72, MAX_PAYMENT_WINDOW),
        (dt.timedelta(hours=8), 24, dt.timedelta(hours=2)),
        (dt.timedelta(minutes=20), 24, CHECKOUT_LIFETIME),
    ],
)
def test_payment_window_follows_the_claim_window_within_stripes_limits(starts_in, claim_hours, expected):
    now = timezone.now()
    event = EventFactory.build(start=now + starts_in, claim_window_hours=claim_hours)

    assert payment_window(event=event, now=now) == expected


# Declining


def test_decline_order_releases_the_seats_and_offers_them(free_type, organiser_user):
    first = register(free_type, quantity=2)
    entry = join_waiting_list(event=free_type.event, name="Sam", email="sam@example.com", quantity=2)

    decline_order(order=first, by=organiser_user, message="  Sorry, this one is for members only.  ")

    first = fresh(first)
    assert (first.status, first.cancelled_at is not None) == (Order.Status.DECLINED, True)
    assert set(first.tickets.values_list("status", flat=True)) == {Ticket.Status.CANCELLED}
    assert WaitingListEntry.objects.get(pk=entry.pk).status == WaitingListEntry.Status.OFFERED
    assert list(OutgoingEmail.objects.filter(order=first).values_list("kind", "note")) == [
        ("pending_approval", ""),
        ("declined", "Sorry, this one is for members only."),
    ]
    assert_counters_match(free_type.event)


def test_decline_order_confirmed_is_refused_and_changes_nothing(organiser_user, db):
    ticket_type = TicketTypeFactory(event=EventFactory(capacity=5), quantity=5)
    order = register(ticket_type)

    with pytest.raises(RegistrationError) as exc:
        decline_order(order=order, by=organiser_user)

    assert (exc.value.code, exc.value.message) == (
        "not_pending_approval",
        "This registration is not waiting for approval any more (it is now “Confirmed”): nothing was changed.",
    )
    assert fresh(order).status == Order.Status.CONFIRMED
    assert counters(ticket_type.event) == (1, {ticket_type.pk: 1})


def test_decline_order_with_a_message_too_long_is_refused(free_type, organiser_user):
    order = register(free_type)

    with pytest.raises(RegistrationError) as exc:
        decline_order(order=order, by=organiser_user, message="x" * 1001)

    assert (exc.value.code, exc.value.field) == ("message_too_long", "message")
    assert fresh(order).status == Order.Status.PENDING_APPROVAL


# Cancelling and refunding as an organiser


def test_cancel_registration_ignores_the_fans_cutoff(organiser_user, db):
    event = EventFactory(capacity=5, start=timezone.now() + dt.timedelta(hours=2), cancellation_cutoff_hours=48)
    ticket_type = TicketTypeFactory(event=event, quantity=5)
    order = register(ticket_type)

    cancel_registration(order=order, by=organiser_user)

    assert fresh(order).status == Order.Status.CANCELLED
    assert counters(event) == (0, {ticket_type.pk: 0})
    assert emails_of(order) == ["confirmation", "cancelled"]


def test_cancel_registration_pending_approval(free_type, organiser_user):
    order = register(free_type)

    cancel_registration(order=order, by=organiser_user)

    assert fresh(order).status == Order.Status.CANCELLED
    assert counters(free_type.event) == (0, {free_type.pk: 0})


def test_cancel_registration_twice_is_refused(free_type, organiser_user):
    order = register(free_type)
    cancel_registration(order=order, by=organiser_user)

    with pytest.raises(RegistrationError) as exc:
        cancel_registration(order=order, by=organiser_user)

    assert (exc.value.code, exc.value.message) == (
        "not_cancellable",
        "This registration is already “Cancelled”: nothing was changed.",
    )


def paid_confirmed(ticket_type, fake_stripe, webhook, email="ada@example.com"):
    order = register(ticket_type, email=email)
    fake_stripe.pay(order.stripe_checkout_session_id)
    assert webhook(COMPLETED, order.stripe_checkout_session_id).content == b"confirmed"
    return fresh(order)


def test_refund_registration_refunds_whatever_the_policy(
    organiser_user, fake_stripe, webhook, django_capture_on_commit_callbacks
):
    event = EventFactory(capacity=5, refund_policy=Event.RefundPolicy.NONE)
    ticket_type = TicketTypeFactory(event=event, quantity=5, price=Decimal("9.50"))
    order = paid_confirmed(ticket_type, fake_stripe, webhook)

    with django_capture_on_commit_callbacks(execute=True):
        refund_registration(order=order, by=organiser_user)

    order = fresh(order)
    assert order.status == Order.Status.REFUNDED
    assert [r["amount"] for r in fake_stripe.refunds_for(order.stripe_payment_intent_id)] == [950]
    assert counters(event) == (0, {ticket_type.pk: 0})


def test_cancel_registration_paid_keeps_the_money(organiser_user, fake_stripe, webhook):
    ticket_type = TicketTypeFactory(event=EventFactory(capacity=5), quantity=5, price=Decimal("9.50"))
    order = paid_confirmed(ticket_type, fake_stripe, webhook)

    cancel_registration(order=order, by=organiser_user)

    assert fresh(order).status == Order.Status.CANCELLED
    assert fake_stripe.refunds == {}


def test_refund_registration_of_a_free_order_is_refused(organiser_user, db):
    ticket_type = TicketTypeFactory(event=EventFactory(capacity=5), quantity=5)
    order = register(ticket_type)

    with pytest.raises(RegistrationError) as exc:
        refund_registration(order=order, by=organiser_user)

    assert exc.value.code == "not_refundable"
    assert fresh(order).status == Order.Status.CONFIRMED


# Adding a guest by hand


def test_add_registration_is_free_confirmed_and_outside_the_sales_window(organiser_user, db):
    past = timezone.now() - dt.timedelta(days=1)
    event = EventFactory(capacity=5, registration_closes_at=past + dt.timedelta(hours=1))
    ticket_type = TicketTypeFactory(event=event, quantity=5, price=Decimal("25"), sales_end=past)

    order = add_registration(
        event=event, ticket_type_id=ticket_type.pk, name=" Grace  Hopper ", email="Grace@Example.com", by=organiser_user
    )

    order = fresh(order)
    assert (order.status, order.total, order.buyer_name, order.buyer_email) == (
        Order.Status.CONFIRMED,
        Decimal("0.00"),
        "Grace Hopper",
        "grace@example.com",
    )
    assert list(order.tickets.values_list("ticket_type", "holder_name", "price", "status")) == [
        (ticket_type.pk, "Grace Hopper", Decimal("0.00"), Ticket.Status.VALID)
    ]
    assert counters(event) == (1, {ticket_type.pk: 1})
    assert emails_of(order) == ["confirmation"]


def test_add_registration_refuses_a_flagged_fan_and_says_how_to_proceed(organiser_user, db):
    from tests.checkin.factories import FanFactory

    ticket_type = TicketTypeFactory(event=EventFactory(capacity=5), quantity=5)
    FanFactory(community=ticket_type.event.community, email="banned@example.com", flagged=True)
    FanFactory(community=EventFactory().community, email="banned2@example.com", flagged=True)  # another community

    with pytest.raises(RegistrationError) as exc:
        add_registration(
            event=ticket_type.event, ticket_type_id=ticket_type.pk, name="B", email="Banned@Example.com", by=None
        )
    other = add_registration(
        event=ticket_type.event, ticket_type_id=ticket_type.pk, name="C", email="banned2@example.com", by=None
    )

    assert (exc.value.code, exc.value.field) == ("flagged", "email")
    assert "remove the flag on their page in People" in exc.value.message
    assert list(Order.objects.values_list("buyer_email", flat=True)) == [other.buyer_email]


def test_add_registration_never_goes_beyond_capacity(organiser_user, db):
    ticket_type = TicketTypeFactory(event=EventFactory(capacity=1), quantity=5)
    register(ticket_type)

    with pytest.raises(RegistrationError) as exc:
        add_registration(
            event=ticket_type.event, ticket_type_id=ticket_type.pk, name="Guest", email="g@example.com", by=None
        )

    assert exc.value.code == "sold_out"
    assert Order.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"email": "ada@example.com"}, "duplicate"),
        ({"email": "not-an-address"}, "email_invalid"),
        ({"name": "   "}, "name_required"),
        ({"ticket_type_id": "other"}, "unknown_ticket_type"),
        ({"ticket_type_id": 999999}, "unknown_ticket_type"),
        ({"ticket_type_id": "1"}, "unknown_ticket_type"),
    ],
)
def test_add_registration_bad_input_is_refused(organiser_user, db, change, code):
    ticket_type = TicketTypeFactory(event=EventFactory(capacity=5), quantity=5)
    other = TicketTypeFactory(event=EventFactory(capacity=5), quantity=5)
    register(ticket_type)
    data = {"ticket_type_id": ticket_type.pk, "name": "Guest", "email": "guest@example.com", **change}
    if data["ticket_type_id"] == "other":
        data["ticket_type_id"] = other.pk

    with pytest.raises(RegistrationError) as exc:
        add_registration(event=ticket_type.event, by=organiser_user, **data)

    assert exc.value.code == code
    assert Order.objects.count() == 1
    assert counters(ticket_type.event) == (1, {ticket_type.pk: 1})


def test_add_registration_to_a_cancelled_event_is_refused(organiser_user, db):
    ticket_type = TicketTypeFactory(event=EventFactory(capacity=5, status=Event.Status.CANCELLED), quantity=5)

    with pytest.raises(RegistrationError) as exc:
        add_registration(
            event=ticket_type.event, ticket_type_id=ticket_type.pk, name="Guest", email="g@example.com", by=None
        )

    assert exc.value.code == "event_cancelled"
    assert Order.objects.count() == 0


# Resending the tickets


def test_resend_tickets_sends_them_again_each_time(free_type, organiser_user, django_capture_on_commit_callbacks):
    from django.core import mail

    order = register(free_type)
    with django_capture_on_commit_callbacks(execute=True):
        approve_order(order=order, by=organiser_user)
    sent = len(mail.outbox)

    with django_capture_on_commit_callbacks(execute=True):
        resend_tickets(order=order, by=organiser_user)
    with django_capture_on_commit_callbacks(execute=True):
        resend_tickets(order=order, by=organiser_user)

    assert [m.to for m in mail.outbox[sent:]] == [["ada@example.com"], ["ada@example.com"]]
    assert mail.outbox[-1].subject == mail.outbox[sent - 1].subject
    assert emails_of(order) == ["pending_approval", "confirmation", "confirmation", "confirmation"]


@pytest.mark.parametrize("status", [Order.Status.PENDING_APPROVAL, Order.Status.CANCELLED])
def test_resend_tickets_of_an_unconfirmed_order_is_refused(free_type, organiser_user, status):
    order = register(free_type)
    Order.objects.filter(pk=order.pk).update(status=status)

    with pytest.raises(RegistrationError) as exc:
        resend_tickets(order=order, by=organiser_user)

    assert (exc.value.code, exc.value.message) == (
        "not_confirmed",
        "Only a confirmed registration has tickets to send.",
    )
    assert emails_of(order) == ["pending_approval"]
