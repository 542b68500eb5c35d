"""The fake Stripe server itself: its form parsing, its hosted Checkout page, and its webhooks to a live site."""

import time
from decimal import Decimal

import pytest
import requests

from attendees.models import Order
from attendees.services import place_order
from tests.factories import EventFactory, TicketTypeFactory
from tests.fakestripe import parse_form


def test_parse_form_rebuilds_nested_dicts_and_lists():
    body = (
        "mode=payment&line_items[0][quantity]=2&line_items[0][price_data][currency]=eur"
        "&line_items[1][quantity]=1&metadata[order_id]=7&empty="
    )

    assert parse_form(body) == {
        "mode": "payment",
        "line_items": [{"quantity": "2", "price_data": {"currency": "eur"}}, {"quantity": "1"}],
        "metadata": {"order_id": "7"},
        "empty": "",
    }


def http():
    session = requests.Session()
    session.trust_env = False
    return session


@pytest.fixture
def pending(db, fake_stripe):
    ticket_type = TicketTypeFactory(event=EventFactory(capacity=5), price=Decimal("15"))
    return place_order(
        event=ticket_type.event,
        quantities={ticket_type.pk: 1},
        holders=[("Ada", "ada@example.com")],
        buyer_name="Ada",
        buyer_email="ada@example.com",
    )


def test_checkout_page_shows_the_amount_and_a_pay_button(pending):
    response = http().get(pending.stripe_checkout_url)

    assert response.status_code == 200
    assert "Amount due: <strong>15.00 EUR</strong>" in response.text
    assert '<button type="submit">Pay</button>' in response.text


def test_checkout_page_pay_marks_the_session_paid_and_goes_to_the_success_page(pending, fake_stripe):
    response = http().post(pending.stripe_checkout_url, allow_redirects=False)

    assert (response.status_code, response.headers["Location"]) == (
        303,
        f"http://localhost:8000/orders/{pending.access_token}/?checkout=success",
    )
    session = fake_stripe.sessions[pending.stripe_checkout_session_id]
    assert (session["status"], session["payment_status"], session["payment_intent"][:3]) == ("complete", "paid", "pi_")


def test_checkout_page_of_an_unknown_or_closed_session(pending, fake_stripe):
    fake_stripe.expire(pending.stripe_checkout_session_id)

    closed = http().get(pending.stripe_checkout_url)
    unknown = http().get(f"{fake_stripe.base_url}/pay/cs_test_nope")

    assert (closed.status_code, unknown.status_code) == (410, 404)
    assert "expired or was already paid" in closed.text


def test_session_past_its_expiry_reads_as_expired(pending, fake_stripe):
    fake_stripe.sessions[pending.stripe_checkout_session_id]["expires_at"] = int(time.time()) - 1

    response = http().get(
        f"{fake_stripe.base_url}/v1/checkout/sessions/{pending.stripe_checkout_session_id}",
        headers={"Authorization": f"Bearer {fake_stripe.api_key}"},
    )

    assert response.json()["status"] == "expired"


@pytest.mark.django_db(transaction=True)
def test_checkout_page_pay_confirms_the_order_through_a_signed_webhook_to_the_live_site(live_server, fake_stripe):
    fake_stripe.webhook_url = f"{live_server.url}/stripe/webhook/"
    ticket_type = TicketTypeFactory(event=EventFactory(capacity=5), price=Decimal("15"))
    order = place_order(
        event=ticket_type.event,
        quantities={ticket_type.pk: 1},
        holders=[("Ada", "ada@example.com")],
        buyer_name="Ada",
        buyer_email="ada@example.com",
    )

    response = http().post(order.stripe_checkout_url, allow_redirects=False)

    assert response.status_code == 303
    assert Order.objects.get(pk=order.pk).status == Order.Status.CONFIRMED
