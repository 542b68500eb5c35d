"""Stripe webhooks and refunds: signatures, exactly-once confirmation, out-of-order and late payments."""

import datetime as dt
import hashlib
import hmac
import json
import time
from decimal import Decimal

import pytest
from django.utils import timezone

from attendees.models import Order, ProcessedStripeEvent, Ticket, WaitingListEntry
from attendees.services import RegistrationError, cancel_order, place_order, refund_order, release_expired_holds
from attendees.services.payments import HOLD_GRACE, retry_pending_refunds, send_refund
from tests.attendees.conftest import post_webhook
from tests.attendees.helpers import assert_counters_match, counters
from tests.factories import EventFactory, TicketTypeFactory

pytestmark = pytest.mark.django_db

COMPLETED = "checkout.session.completed"
EXPIRED = "checkout.session.expired"


def buy(ticket_type, *, email="ada@example.com", quantity=1):
    return place_order(
        event=ticket_type.event,
        quantities={ticket_type.pk: quantity},
        holders=[(f"Holder {i}", f"h{i}@example.com") for i in range(quantity)],
        buyer_name="Ada Lovelace",
        buyer_email=email,
    )


@pytest.fixture
def ticket_type(db):
    return TicketTypeFactory(event=EventFactory(capacity=1), quantity=5, price=Decimal("20.00"))


@pytest.fixture
def order(ticket_type, fake_stripe):
    return buy(ticket_type)


def status_of(order):
    return Order.objects.values_list("status", flat=True).get(pk=order.pk)


def test_webhook_completed_confirms_the_order(order, fake_stripe, webhook):
    session = fake_stripe.pay(order.stripe_checkout_session_id)

    response = webhook(COMPLETED, order.stripe_checkout_session_id)

    assert (response.status_code, response.content) == (200, b"confirmed")
    order.refresh_from_db()
    assert order.status == Order.Status.CONFIRMED
    assert order.stripe_payment_intent_id == session["payment_intent"]
    assert order.confirmed_at is not None
    assert list(order.tickets.values_list("status", flat=True)) == [Ticket.Status.VALID]
    assert list(ProcessedStripeEvent.objects.values_list("type", "outcome", "order")) == [
        (COMPLETED, "confirmed", order.pk)
    ]
    assert counters(order.event) == (1, {order.tickets.get().ticket_type_id: 1})


@pytest.mark.parametrize(
    ("case", "expected_status"),
    [
        ("valid", 200),
        ("wrong_secret", 400),
        ("tampered_body", 400),
        ("stale_timestamp", 400),
        ("future_signed_stale", 400),
        ("missing_header", 400),
        ("empty_header", 400),
        ("garbage_header", 400),
        ("no_v1_signature", 400),
    ],
)
def test_webhook_signature_matrix(order, fake_stripe, client, case, expected_status):
    fake_stripe.pay(order.stripe_checkout_session_id)
    payload = fake_stripe.event(COMPLETED, order.stripe_checkout_session_id)
    now = int(time.time())
    signature = {
        "valid": fake_stripe.sign(payload),
        "wrong_secret": fake_stripe.sign(payload, secret="whsec_someone_else"),
        "tampered_body": fake_stripe.sign(payload),
        "stale_timestamp": fake_stripe.sign(payload, timestamp=now - 301),
        "future_signed_stale": fake_stripe.sign(payload, timestamp=now - 3600),
        "missing_header": None,
        "empty_header": "",
        "garbage_header": "t=notanumber,v1=zz",
        "no_v1_signature": f"t={now},v0=abc",
    }[case]
    if case == "tampered_body":
        payload = payload.replace(b'"livemode":false', b'"livemode":true ')

    response = post_webhook(client, payload, signature)

    assert response.status_code == expected_status
    if expected_status == 400:
        assert response.content == b"invalid signature or body"
        assert status_of(order) == Order.Status.PENDING_PAYMENT
        assert ProcessedStripeEvent.objects.count() == 0
    else:
        assert status_of(order) == Order.Status.CONFIRMED


def test_webhook_without_a_configured_secret_refuses_everything(order, fake_stripe, webhook, settings):
    fake_stripe.pay(order.stripe_checkout_session_id)
    settings.STRIPE_WEBHOOK_SECRET = ""

    response = webhook(COMPLETED, order.stripe_checkout_session_id)

    assert response.status_code == 400
    assert status_of(order) == Order.Status.PENDING_PAYMENT


@pytest.mark.parametrize(
    "body", [b"not json", b"[]", b'{"id": "evt_1"}', b'{"id": 1, "type": "x", "data": {}}', b"\xff"]
)
def test_webhook_malformed_body_with_a_valid_signature_is_refused(fake_stripe, client, body):
    timestamp = int(time.time())
    # Signed over the raw bytes, as a sender holding the secret would.
    digest = hmac.new(fake_stripe.webhook_secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)

    response = post_webhook(client, body, f"t={timestamp},v1={digest.hexdigest()}")

    assert (response.status_code, response.content) == (400, b"invalid signature or body")


def test_webhook_get_is_not_allowed(client):
    response = client.get("/stripe/webhook/")

    assert response.status_code == 405
    assert response["Allow"] == "POST"


def test_webhook_event_types_we_do_not_handle_are_acknowledged(order, fake_stripe, webhook):
    response = webhook("payment_intent.created", order.stripe_checkout_session_id)

    assert (response.status_code, response.content) == (200, b"ignored")
    assert ProcessedStripeEvent.objects.count() == 0


def test_webhook_same_event_delivered_twice_confirms_once(order, fake_stripe, webhook):
    fake_stripe.pay(order.stripe_checkout_session_id)

    first = webhook(COMPLETED, order.stripe_checkout_session_id, event_id="evt_same")
    second = webhook(COMPLETED, order.stripe_checkout_session_id, event_id="evt_same")

    assert (first.content, second.content) == (b"confirmed", b"duplicate")
    assert ProcessedStripeEvent.objects.count() == 1
    assert status_of(order) == Order.Status.CONFIRMED


def test_webhook_completed_then_async_succeeded_confirms_once(order, fake_stripe, webhook):
    fake_stripe.pay(order.stripe_checkout_session_id)

    first = webhook(COMPLETED, order.stripe_checkout_session_id)
    second = webhook("checkout.session.async_payment_succeeded", order.stripe_checkout_session_id)

    assert (first.content, second.content) == (b"confirmed", b"no_change")
    assert counters(order.event)[0] == 1


def test_webhook_payload_claiming_paid_is_not_trusted(order, fake_stripe, client):
    # A replayed or forged body (signed with a leaked secret) says "paid"; Stripe itself says otherwise.
    body = json.loads(fake_stripe.event(COMPLETED, order.stripe_checkout_session_id))
    body["data"]["object"].update(status="complete", payment_status="paid", payment_intent="pi_forged")
    payload = json.dumps(body).encode()

    response = post_webhook(client, payload, fake_stripe.sign(payload))

    assert (response.status_code, response.content) == (200, b"awaiting_payment")
    assert status_of(order) == Order.Status.PENDING_PAYMENT


def test_webhook_delayed_payment_confirms_on_async_success(order, fake_stripe, webhook):
    fake_stripe.pay(order.stripe_checkout_session_id, settled=False)
    assert webhook(COMPLETED, order.stripe_checkout_session_id).content == b"awaiting_payment"
    assert status_of(order) == Order.Status.PENDING_PAYMENT

    fake_stripe.settle(order.stripe_checkout_session_id)
    response = webhook("checkout.session.async_payment_succeeded", order.stripe_checkout_session_id)

    assert response.content == b"confirmed"
    assert status_of(order) == Order.Status.CONFIRMED


def test_webhook_delayed_payment_failure_frees_the_seats(order, fake_stripe, webhook):
    fake_stripe.pay(order.stripe_checkout_session_id, settled=False)
    webhook(COMPLETED, order.stripe_checkout_session_id)
    fake_stripe.settle(order.stripe_checkout_session_id, succeeded=False)

    response = webhook("checkout.session.async_payment_failed", order.stripe_checkout_session_id)

    assert response.content == b"released"
    assert status_of(order) == Order.Status.EXPIRED
    assert set(Ticket.objects.values_list("status", flat=True)) == {Ticket.Status.CANCELLED}
    assert counters(order.event)[0] == 0


def test_webhook_expired_frees_the_seats_and_offers_them_to_the_waiting_list(ticket_type, order, fake_stripe, webhook):
    entry = WaitingListEntry.objects.create(event=ticket_type.event, name="Sam", email="sam@example.com")
    fake_stripe.expire(order.stripe_checkout_session_id)

    response = webhook(EXPIRED, order.stripe_checkout_session_id)

    assert response.content == b"released"
    order.refresh_from_db()
    assert (order.status, order.cancelled_at is not None) == (Order.Status.EXPIRED, True)
    entry.refresh_from_db()
    assert (entry.status, entry.offered_quantity) == (WaitingListEntry.Status.OFFERED, 1)
    assert counters(ticket_type.event) == (1, {ticket_type.pk: 0})  # the seat is now held by the offer
    assert_counters_match(ticket_type.event)


def test_webhook_expired_for_a_session_still_open_changes_nothing(order, fake_stripe, webhook):
    response = webhook(EXPIRED, order.stripe_checkout_session_id)

    assert response.content == b"no_change"
    assert status_of(order) == Order.Status.PENDING_PAYMENT


def test_webhook_expired_after_completed_stays_confirmed(order, fake_stripe, webhook):
    fake_stripe.pay(order.stripe_checkout_session_id)
    webhook(COMPLETED, order.stripe_checkout_session_id)

    response = webhook(EXPIRED, order.stripe_checkout_session_id)

    assert response.content == b"no_change"
    assert status_of(order) == Order.Status.CONFIRMED
    assert counters(order.event)[0] == 1


def test_webhook_expired_arriving_first_for_a_paid_session_does_not_release(order, fake_stripe, webhook):
    fake_stripe.pay(order.stripe_checkout_session_id)

    assert webhook(EXPIRED, order.stripe_checkout_session_id).content == b"no_change"
    assert webhook(COMPLETED, order.stripe_checkout_session_id).content == b"confirmed"

    assert status_of(order) == Order.Status.CONFIRMED


def expire_hold(order):
    Order.objects.filter(pk=order.pk).update(hold_expires_at=timezone.now() - HOLD_GRACE - dt.timedelta(minutes=1))
    assert release_expired_holds() == 1


def test_webhook_paid_after_hold_expired_and_seat_taken_is_refunded(
    ticket_type, order, fake_stripe, webhook, django_capture_on_commit_callbacks
):
    expire_hold(order)
    other = place_order(
        event=ticket_type.event,
        quantities={ticket_type.pk: 1},
        holders=[("Bo", "bo@example.com")],
        buyer_name="Bo",
        buyer_email="bo@example.com",
    )
    session = fake_stripe.pay(order.stripe_checkout_session_id)  # paid in the last second of the session

    with django_capture_on_commit_callbacks(execute=True):
        response = webhook(COMPLETED, order.stripe_checkout_session_id)

    assert response.content == b"refunded"
    order.refresh_from_db()
    refunds = fake_stripe.refunds_for(session["payment_intent"])
    assert [(r["amount"], r["currency"], r["metadata"]) for r in refunds] == [
        (2000, "eur", {"order_id": str(order.pk), "order_reference": order.reference})
    ]
    assert (order.status, order.stripe_refund_id, order.refunded_at is not None) == (
        Order.Status.REFUNDED,
        refunds[0]["id"],
        True,
    )
    assert set(order.tickets.values_list("status", flat=True)) == {Ticket.Status.REFUNDED}
    assert status_of(other) == Order.Status.PENDING_PAYMENT
    assert counters(ticket_type.event) == (1, {ticket_type.pk: 1})
    assert_counters_match(ticket_type.event)


def test_webhook_paid_after_hold_expired_with_the_seat_still_free_is_confirmed(order, fake_stripe, webhook):
    expire_hold(order)
    fake_stripe.pay(order.stripe_checkout_session_id)

    response = webhook(COMPLETED, order.stripe_checkout_session_id)

    assert response.content == b"confirmed_late"
    assert status_of(order) == Order.Status.CONFIRMED
    assert set(Ticket.objects.values_list("status", flat=True)) == {Ticket.Status.VALID}
    assert_counters_match(order.event)
    assert fake_stripe.refunds == {}


def test_webhook_paid_after_the_fan_cancelled_is_refunded(
    order, fake_stripe, webhook, django_capture_on_commit_callbacks
):
    session = fake_stripe.pay(order.stripe_checkout_session_id)  # paid while the cancellation went through
    cancel_order(order=order)

    with django_capture_on_commit_callbacks(execute=True):
        response = webhook(COMPLETED, order.stripe_checkout_session_id)

    assert response.content == b"refunded"
    assert [r["amount"] for r in fake_stripe.refunds_for(session["payment_intent"])] == [2000]
    assert counters(order.event)[0] == 0


def test_webhook_amount_not_matching_the_order_is_refunded(
    order, fake_stripe, webhook, django_capture_on_commit_callbacks
):
    Order.objects.filter(pk=order.pk).update(total=Decimal("25.00"))
    session = fake_stripe.pay(order.stripe_checkout_session_id)

    with django_capture_on_commit_callbacks(execute=True):
        response = webhook(COMPLETED, order.stripe_checkout_session_id)

    assert response.content == b"refunded"
    assert [r["amount"] for r in fake_stripe.refunds_for(session["payment_intent"])] == [2000]


def test_webhook_when_stripe_is_down_asks_for_a_retry_and_changes_nothing(order, fake_stripe, webhook):
    fake_stripe.pay(order.stripe_checkout_session_id)
    fake_stripe.fail_next("GET", "/v1/checkout/sessions/", status=500)

    first = webhook(COMPLETED, order.stripe_checkout_session_id, event_id="evt_retry")

    assert (first.status_code, status_of(order), ProcessedStripeEvent.objects.count()) == (
        503,
        Order.Status.PENDING_PAYMENT,
        0,
    )
    second = webhook(COMPLETED, order.stripe_checkout_session_id, event_id="evt_retry")
    assert (second.status_code, second.content) == (200, b"confirmed")


def test_webhook_for_a_session_stripe_does_not_know(order, fake_stripe, client):
    body = json.loads(fake_stripe.event(COMPLETED, order.stripe_checkout_session_id))
    body["data"]["object"]["id"] = "cs_test_unknown"
    payload = json.dumps(body).encode()

    response = post_webhook(client, payload, fake_stripe.sign(payload))

    assert (response.status_code, response.content) == (200, b"unknown_session")
    assert status_of(order) == Order.Status.PENDING_PAYMENT


def test_webhook_for_a_session_of_no_order_of_ours(fake_stripe, webhook):
    from attendees import stripe_gateway

    session = stripe_gateway.create_checkout_session(
        order_id=987654,
        reference="NOTOURS",
        lines=[stripe_gateway.CheckoutLine(name="Other", unit_amount=Decimal("5"), quantity=1)],
        currency="EUR",
        customer_email="x@example.com",
        locale="en",
        expires_at=timezone.now() + dt.timedelta(hours=1),
        success_url="https://example.com/ok",
        cancel_url="https://example.com/no",
        idempotency_key="other-1",
    )
    fake_stripe.pay(session.id)

    response = webhook(COMPLETED, session.id)

    assert (response.status_code, response.content) == (200, b"unknown_order")
    assert list(ProcessedStripeEvent.objects.values_list("outcome", flat=True)) == ["unknown_order"]


def confirmed(ticket_type, fake_stripe, webhook, **kwargs):
    order = buy(ticket_type, **kwargs)
    fake_stripe.pay(order.stripe_checkout_session_id)
    assert webhook(COMPLETED, order.stripe_checkout_session_id).content == b"confirmed"
    order.refresh_from_db()
    return order


def test_refund_order_refunds_at_stripe_and_frees_the_seats(
    ticket_type, fake_stripe, webhook, django_capture_on_commit_callbacks
):
    order = confirmed(ticket_type, fake_stripe, webhook)
    entry = WaitingListEntry.objects.create(event=ticket_type.event, name="Sam", email="sam@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        refund_order(order=order)

    order.refresh_from_db()
    assert [r["id"] for r in fake_stripe.refunds_for(order.stripe_payment_intent_id)] == [order.stripe_refund_id]
    assert order.status == Order.Status.REFUNDED
    assert WaitingListEntry.objects.get(pk=entry.pk).status == WaitingListEntry.Status.OFFERED
    assert_counters_match(ticket_type.event)


def test_refund_order_of_a_free_or_unpaid_order_is_refused(ticket_type, order):
    with pytest.raises(RegistrationError) as exc:
        refund_order(order=order)

    assert exc.value.code == "not_refundable"
    assert status_of(order) == Order.Status.PENDING_PAYMENT


def test_send_refund_twice_refunds_once(ticket_type, fake_stripe, webhook):
    order = confirmed(ticket_type, fake_stripe, webhook)
    refund_order(order=order)  # on-commit callbacks are not run here: the refund waits

    first = send_refund(order_id=order.pk)
    Order.objects.filter(pk=order.pk).update(stripe_refund_id="")  # as if the first answer had been lost
    second = send_refund(order_id=order.pk)

    assert first.stripe_refund_id == second.stripe_refund_id
    assert len(fake_stripe.refunds) == 1


def test_refund_refused_by_a_down_stripe_is_retried_later(
    ticket_type, fake_stripe, webhook, django_capture_on_commit_callbacks
):
    order = confirmed(ticket_type, fake_stripe, webhook)
    fake_stripe.fail_next("POST", "/v1/refunds", status=500)

    with django_capture_on_commit_callbacks(execute=True):
        refund_order(order=order)

    order.refresh_from_db()
    assert (order.status, order.stripe_refund_id, order.refund_pending) == (Order.Status.REFUNDED, "", True)
    assert retry_pending_refunds() == 1
    assert retry_pending_refunds() == 0
    order.refresh_from_db()
    assert [r["id"] for r in fake_stripe.refunds.values()] == [order.stripe_refund_id]
