"""An organiser cancels a whole event: every live registration is cancelled, paid ones refunded in full, the
waiting list closed, and each buyer and each fan waiting told once (events.signals.event_cancelled -> task)."""

from decimal import Decimal

import pytest
from django.core import mail

from attendees import tasks
from attendees.models import Order, OutgoingEmail, Ticket, WaitingListEntry
from attendees.services import cancel_event_orders, cancel_order, join_waiting_list, place_order
from attendees.services.orders import EventCancellation
from attendees.services.waitinglist import offer_next
from events.models import Event
from events.services import cancel_event
from tests.attendees.helpers import assert_counters_match, counters
from tests.factories import EventFactory, TicketTypeFactory

pytestmark = pytest.mark.django_db

COMPLETED = "checkout.session.completed"


def register(ticket_type, *, email, quantity=1):
    return place_order(
        event=ticket_type.event,
        quantities={ticket_type.pk: quantity},
        holders=[(f"Holder {i}", email) for i in range(quantity)],
        buyer_name=email.split("@")[0].title(),
        buyer_email=email,
    )


def fresh(order) -> Order:
    return Order.objects.get(pk=order.pk)


@pytest.fixture
def meetup(db):
    """An event with a free and a paid ticket type; its refund policy would refuse fans' refunds."""
    event = EventFactory(
        title="Rust & Pizza", community__name="Lyon Rust", capacity=5, refund_policy=Event.RefundPolicy.NONE
    )
    free = TicketTypeFactory(event=event, name="Standard", quantity=10)
    paid = TicketTypeFactory(event=event, name="Supporter", quantity=10, price=Decimal("15.00"))
    return event, free, paid


@pytest.fixture
def crowd(meetup, fake_stripe, webhook, django_capture_on_commit_callbacks):
    """Free confirmed (2 tickets), paid confirmed, paying now, one cancelled before; the event full, then a place
    freed and offered to Olga, first in line, with Wes still waiting."""
    event, free, paid = meetup
    with django_capture_on_commit_callbacks(execute=True):
        free_order = register(free, email="free@example.com", quantity=2)
        paid_order = register(paid, email="paid@example.com")
        fake_stripe.pay(paid_order.stripe_checkout_session_id)
        assert webhook(COMPLETED, paid_order.stripe_checkout_session_id).content == b"confirmed"
        paying = register(paid, email="paying@example.com")
        gone = cancel_order(order=register(free, email="gone@example.com"))
        last = register(free, email="last@example.com")  # the fifth and last place
        offered = join_waiting_list(event=event, name="Olga", email="olga@example.com")
        waiting = join_waiting_list(event=event, name="Wes", email="wes@example.com")
        cancel_order(order=last)  # the place goes to Olga
    assert WaitingListEntry.objects.get(pk=offered.pk).status == WaitingListEntry.Status.OFFERED
    assert counters(event) == (5, {free.pk: 2, paid.pk: 2})  # 4 tickets and Olga's offer
    mail.outbox.clear()
    return {
        "free": fresh(free_order),
        "paid": fresh(paid_order),
        "paying": fresh(paying),
        "gone": fresh(gone),
        "offered": offered,
        "waiting": waiting,
        "emails_before": OutgoingEmail.objects.count(),
    }


def test_cancel_event_cancels_refunds_closes_and_tells_everyone_once(
    crowd, meetup, fake_stripe, django_capture_on_commit_callbacks
):
    event, free, paid = meetup

    with django_capture_on_commit_callbacks(execute=True):
        cancel_event(event=event)

    orders = {
        o.buyer_email: (o.status, sorted(o.tickets.values_list("status", flat=True))) for o in Order.objects.all()
    }
    assert orders == {
        "free@example.com": (Order.Status.CANCELLED, [Ticket.Status.CANCELLED] * 2),
        "paid@example.com": (Order.Status.REFUNDED, [Ticket.Status.REFUNDED]),
        "paying@example.com": (Order.Status.CANCELLED, [Ticket.Status.CANCELLED]),
        "gone@example.com": (Order.Status.CANCELLED, [Ticket.Status.CANCELLED]),
        "last@example.com": (Order.Status.CANCELLED, [Ticket.Status.CANCELLED]),
    }
    paid_order = fresh(crowd["paid"])
    assert [r["amount"] for r in fake_stripe.refunds_for(paid_order.stripe_payment_intent_id)] == [1500]
    assert paid_order.stripe_refund_id and paid_order.refunded_at is not None
    assert fake_stripe.sessions[crowd["paying"].stripe_checkout_session_id]["status"] == "expired"
    assert dict(WaitingListEntry.objects.values_list("email", "status")) == {
        "olga@example.com": WaitingListEntry.Status.CLOSED,
        "wes@example.com": WaitingListEntry.Status.CLOSED,
    }
    assert counters(event) == (0, {free.pk: 0, paid.pk: 0})
    assert_counters_match(event)
    new_rows = OutgoingEmail.objects.order_by("pk")[crowd["emails_before"] :]
    assert [(e.kind, e.status) for e in new_rows] == [(OutgoingEmail.Kind.EVENT_CANCELLED, "sent")] * 5
    assert sorted(m.to[0] for m in mail.outbox) == [
        "free@example.com",
        "olga@example.com",
        "paid@example.com",
        "paying@example.com",
        "wes@example.com",
    ]
    assert {m.subject for m in mail.outbox} == {"[Lyon Rust] Cancelled: Rust & Pizza"}
    bodies = {m.to[0]: m.body for m in mail.outbox}
    assert (
        "We are sorry: Lyon Rust has cancelled Rust & Pizza. The event will not take place."
        in bodies["free@example.com"]
    )
    assert "We are refunding your payment of €15.00 in full." in bodies["paid@example.com"]
    assert "Nothing was charged." in bodies["paying@example.com"]
    assert "refund" not in bodies["free@example.com"] and "charged" not in bodies["free@example.com"]
    assert "You were on its waiting list, which is now closed." in bodies["wes@example.com"]
    assert "Order reference" not in bodies["olga@example.com"]
    assert f"Order reference: {paid_order.reference}" in bodies["paid@example.com"]
    html = dict(mail.outbox[0].alternatives)  # an HTML part too
    assert "The event is cancelled</h1>" in "".join(html)


def test_cancel_event_orders_twice_changes_and_sends_nothing_more(
    crowd, meetup, fake_stripe, django_capture_on_commit_callbacks
):
    event, _free, _paid = meetup
    with django_capture_on_commit_callbacks(execute=True):
        cancel_event(event=event)
    state = list(Order.objects.order_by("pk").values_list("status", "stripe_refund_id", "updated_at"))
    sent, rows, refunds = len(mail.outbox), OutgoingEmail.objects.count(), dict(fake_stripe.refunds)

    with django_capture_on_commit_callbacks(execute=True):
        again = cancel_event_orders(event=event)
        tasks.cancel_event_orders.enqueue(event_id=event.pk)

    assert again == EventCancellation(cancelled=0, refunded=0, closed=0)
    assert list(Order.objects.order_by("pk").values_list("status", "stripe_refund_id", "updated_at")) == state
    assert (len(mail.outbox), OutgoingEmail.objects.count(), fake_stripe.refunds) == (sent, rows, refunds)


def test_cancel_event_orders_reports_what_it_did(crowd, meetup):
    event, _free, _paid = meetup
    Event.objects.filter(pk=event.pk).update(status=Event.Status.CANCELLED)  # as cancel_event does, no signal

    done = cancel_event_orders(event=event)

    assert done == EventCancellation(cancelled=2, refunded=1, closed=2)


def test_cancel_event_orders_of_an_event_not_cancelled_does_nothing(crowd, meetup):
    event, _free, _paid = meetup

    assert cancel_event_orders(event=event) == EventCancellation()
    assert Order.objects.filter(status__in=Order.HOLDING).count() == 3
    assert WaitingListEntry.objects.filter(status__in=WaitingListEntry.ACTIVE).count() == 2


def test_cancel_event_orders_pending_approval_and_approved_to_pay(fake_stripe, django_capture_on_commit_callbacks):
    from attendees.services.approval import approve_order

    event = EventFactory(title="Closed doors", community__name="Lyon Rust", capacity=5, approval_required=True)
    paid = TicketTypeFactory(event=event, quantity=5, price=Decimal("8"))
    waiting_decision = register(paid, email="ask@example.com")
    approved = approve_order(order=register(paid, email="ok@example.com"), by=None)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        cancel_event(event=event)

    assert fresh(waiting_decision).status == Order.Status.CANCELLED
    assert fresh(approved).status == Order.Status.CANCELLED
    assert fake_stripe.sessions[approved.stripe_checkout_session_id]["status"] == "expired"
    assert fake_stripe.refunds == {}
    assert sorted(m.to[0] for m in mail.outbox) == ["ask@example.com", "ok@example.com"]
    assert all("Nothing was charged." in m.body for m in mail.outbox)
    assert counters(event) == (0, {paid.pk: 0})


def test_payment_after_the_event_was_cancelled_is_refunded(
    meetup, fake_stripe, webhook, django_capture_on_commit_callbacks
):
    event, _free, paid = meetup
    order = register(paid, email="late@example.com")
    fake_stripe.pay(order.stripe_checkout_session_id)  # paid as the organisers cancelled: the webhook comes after
    with django_capture_on_commit_callbacks(execute=True):
        cancel_event(event=event)
    assert fresh(order).status == Order.Status.CANCELLED

    with django_capture_on_commit_callbacks(execute=True):
        outcome = webhook(COMPLETED, order.stripe_checkout_session_id).content

    order = fresh(order)
    assert outcome == b"refunded"
    assert order.status == Order.Status.REFUNDED
    assert [r["amount"] for r in fake_stripe.refunds_for(order.stripe_payment_intent_id)] == [1500]


def test_cancel_event_e_mail_goes_out_in_the_fans_language(meetup, django_capture_on_commit_callbacks):
    event, free, _paid = meetup
    order = register(free, email="zoe@example.com")
    Order.objects.filter(pk=order.pk).update(language="fr")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        cancel_event(event=event)

    [message] = mail.outbox
    assert message.extra_headers["Content-Language"] == "fr"
    assert message.body.startswith("Bonjour Zoe,")  # the new sentences get their French with the next catalogue


def test_order_page_of_a_cancelled_event_says_the_event_is_cancelled(
    client, crowd, meetup, django_capture_on_commit_callbacks
):
    event, _free, _paid = meetup
    with django_capture_on_commit_callbacks(execute=True):
        cancel_event(event=event)

    free_html = client.get(f"/orders/{crowd['free'].access_token}/").content.decode()
    paid_html = client.get(f"/orders/{crowd['paid'].access_token}/").content.decode()

    assert "The organisers cancelled this event." in free_html
    assert "Cancel my registration" not in free_html
    assert "The organisers cancelled this event." in paid_html
    assert "This registration is cancelled and refunded." not in paid_html
    assert "The payment was refunded in full; banks take a few days to show it." in paid_html


def test_offer_next_after_the_event_was_cancelled_offers_nothing(crowd, meetup, django_capture_on_commit_callbacks):
    event, _free, _paid = meetup
    with django_capture_on_commit_callbacks(execute=True):
        cancel_event(event=event)

    assert offer_next(event=event) == []
    assert WaitingListEntry.objects.filter(status=WaitingListEntry.Status.OFFERED).count() == 0
