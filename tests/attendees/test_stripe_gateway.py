"""The Stripe gateway against the fake server with the real SDK: amounts, idempotency keys, retries, errors."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from attendees import stripe_gateway
from attendees.stripe_gateway import CheckoutLine, PaymentGatewayError


@pytest.mark.parametrize(
    ("amount", "currency", "minor"),
    [
        (Decimal("12.50"), "EUR", 1250),
        (Decimal("0.01"), "usd", 1),
        (Decimal("500"), "JPY", 500),
        (Decimal("7"), "CHF", 700),
    ],
)
def test_to_minor_units(amount, currency, minor):
    assert stripe_gateway.to_minor_units(amount, currency) == minor


def test_to_minor_units_refuses_fractions_of_the_minor_unit():
    with pytest.raises(ValueError, match="more decimals"):
        stripe_gateway.to_minor_units(Decimal("1.005"), "EUR")


def open_session(key="order-1", *, price="9.90", quantity=2):
    return stripe_gateway.create_checkout_session(
        order_id=1,
        reference="ABCDEFGHJK",
        lines=[CheckoutLine(name="Meetup – General admission", unit_amount=Decimal(price), quantity=quantity)],
        currency="EUR",
        customer_email="ada@example.com",
        locale="de",
        expires_at=timezone.now() + dt.timedelta(minutes=31),
        success_url="https://example.com/ok",
        cancel_url="https://example.com/cancel",
        idempotency_key=key,
    )


def test_create_checkout_session_sends_minor_units_and_metadata(fake_stripe):
    session = open_session()

    sent = fake_stripe.sessions[session.id]
    assert (session.amount_total, session.currency, session.status, session.payment_status) == (
        1980,
        "EUR",
        "open",
        "unpaid",
    )
    assert (session.order_id, sent["client_reference_id"], sent["locale"]) == ("1", "1", "auto")
    assert sent["metadata"] == {"order_id": "1", "order_reference": "ABCDEFGHJK"}
    assert session.url == f"{fake_stripe.base_url}/pay/{session.id}"


def test_create_checkout_session_same_idempotency_key_opens_one_session(fake_stripe):
    first = open_session("order-7")
    second = open_session("order-7")

    assert first == second
    assert list(fake_stripe.sessions) == [first.id]


def test_create_checkout_session_same_key_other_parameters_is_refused(fake_stripe):
    open_session("order-8")

    with pytest.raises(PaymentGatewayError) as exc:
        open_session("order-8", quantity=3)

    assert exc.value.retryable is False
    assert len(fake_stripe.sessions) == 1


def test_create_checkout_session_retried_by_the_sdk_with_the_same_key(fake_stripe, settings):
    settings.STRIPE_MAX_NETWORK_RETRIES = 1
    fake_stripe.fail_next("POST", "/v1/checkout/sessions", status=500, retry=True)

    session = open_session("order-9")

    assert [r for r in fake_stripe.requests if r[0] == "POST"] == [
        ("POST", "/v1/checkout/sessions", "order-9"),
        ("POST", "/v1/checkout/sessions", "order-9"),
    ]
    assert list(fake_stripe.sessions) == [session.id]


def test_create_checkout_session_with_a_wrong_key_is_not_retryable(fake_stripe, settings):
    settings.STRIPE_SECRET_KEY = "sk_test_wrong"

    with pytest.raises(PaymentGatewayError) as exc:
        open_session()

    assert exc.value.retryable is False


def test_create_checkout_session_when_unreachable_is_retryable(fake_stripe):
    fake_stripe.stop()

    with pytest.raises(PaymentGatewayError) as exc:
        open_session()

    assert exc.value.retryable is True


def test_expire_checkout_session_only_when_open(fake_stripe):
    session = open_session()

    assert stripe_gateway.expire_checkout_session(session.id) is True
    assert stripe_gateway.expire_checkout_session(session.id) is False
    assert stripe_gateway.retrieve_checkout_session(session.id).status == "expired"


def test_retrieve_checkout_session_reads_payment(fake_stripe):
    session = open_session()
    paid = fake_stripe.pay(session.id)

    fetched = stripe_gateway.retrieve_checkout_session(session.id)

    assert (fetched.status, fetched.payment_status, fetched.payment_intent_id) == (
        "complete",
        "paid",
        paid["payment_intent"],
    )
    assert fetched.expires_at == dt.datetime.fromtimestamp(paid["expires_at"], tz=dt.UTC)


def test_create_refund_full_and_idempotent(fake_stripe):
    intent = fake_stripe.pay(open_session().id)["payment_intent"]

    first = stripe_gateway.create_refund(payment_intent_id=intent, idempotency_key="refund-1", metadata={"a": "b"})
    second = stripe_gateway.create_refund(payment_intent_id=intent, idempotency_key="refund-1", metadata={"a": "b"})

    assert first == second
    assert [(r["amount"], r["metadata"]) for r in fake_stripe.refunds_for(intent)] == [(1980, {"a": "b"})]


def test_create_refund_of_a_partial_amount(fake_stripe):
    intent = fake_stripe.pay(open_session().id)["payment_intent"]

    stripe_gateway.create_refund(
        payment_intent_id=intent, idempotency_key="r", metadata={}, amount=Decimal("5.00"), currency="EUR"
    )

    assert [r["amount"] for r in fake_stripe.refunds_for(intent)] == [500]


def test_is_configured_follows_the_secret_key(settings):
    settings.STRIPE_SECRET_KEY = ""
    assert stripe_gateway.is_configured() is False
    settings.STRIPE_SECRET_KEY = "sk_test_x"
    assert stripe_gateway.is_configured() is True
