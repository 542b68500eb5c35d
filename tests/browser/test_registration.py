"""A fan on a phone: registers for a free meetup, pays for a paid one on the (fake) Stripe page, and gets a place
from the waiting list."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from attendees.models import Order, WaitingListEntry
from attendees.services import cancel_order, place_order
from tests.factories import CommunityFactory, EventFactory, TicketTypeFactory, VenueFactory
from tests.fakestripe import FakeStripe


@pytest.fixture
def fake_stripe(settings, live_server):
    """The fake Stripe server, with the site pointing at it and knowing its own address for the return links."""
    server = FakeStripe(api_key="sk_test_rendezvous", webhook_secret="whsec_test_rendezvous").start()
    settings.STRIPE_API_BASE = server.base_url
    settings.STRIPE_SECRET_KEY = server.api_key
    settings.STRIPE_WEBHOOK_SECRET = server.webhook_secret
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    settings.SITE_URL = live_server.url
    yield server
    server.stop()


def _event(*, capacity=40, price=Decimal("0"), title="Rust & Pizza Night"):
    start = (timezone.now() + dt.timedelta(days=10)).replace(hour=17, minute=0, second=0, microsecond=0)
    community = CommunityFactory(name="Lyon Rustaceans", slug="lyon-rust")
    venue = VenueFactory(community=community, name="La Cordée", city="Lyon")
    event = EventFactory(
        community=community,
        venue=venue,
        title=title,
        slug="rust-pizza",
        start=start,
        end=start + dt.timedelta(hours=3),
        capacity=capacity,
    )
    TicketTypeFactory(event=event, name="Standard", price=price, quantity=capacity)
    return event


def _assert_big_qr(page):
    qr = page.locator(".fan-pass svg.qr").first
    expect(qr).to_be_visible()
    box = qr.bounding_box()
    assert box["width"] >= 250 and box["height"] >= 250, box


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_fan_registers_for_a_free_event_and_sees_the_ticket_qr(screens, device):
    event = _event()
    screen = screens(device)
    page = screen.page

    page.goto(event.get_absolute_url())
    page.get_by_role("link", name="Get tickets").click()
    page.wait_for_url(re.compile(r"/c/lyon-rust/rust-pizza/register/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Register")
    screen.shot("register")
    screen.assert_accessible("register")

    page.get_by_label("Your name").fill("Alex Martin")
    page.get_by_label("Your e-mail").fill("alex@example.com")
    page.get_by_role("button", name="Register").click()

    page.wait_for_url(re.compile(r"/orders/[\w-]+/$"))
    expect(page.get_by_text("You're in!")).to_be_visible()
    expect(page.get_by_text("Alex Martin", exact=True)).to_be_visible()
    _assert_big_qr(page)
    screen.shot("order")
    screen.assert_accessible("order")
    order = Order.objects.get()
    assert (order.status, order.buyer_email, order.marketing_consent) == ("confirmed", "alex@example.com", False)


def test_fan_adds_a_second_holder_with_the_form_growing_on_the_phone(screens):
    event = _event()
    screen = screens("phone")
    page = screen.page

    page.goto("/c/lyon-rust/rust-pizza/register/")
    expect(page.locator("[data-holder='1']")).to_be_hidden()
    page.get_by_label("Standard").select_option("2")
    expect(page.locator("[data-holder='1']")).to_be_visible()
    page.get_by_label("Your name").fill("Alex Martin")
    page.get_by_label("Your e-mail").fill("alex@example.com")
    page.locator("[data-holder='1']").get_by_label("Name").fill("Sam Durand")
    page.get_by_label("Send me news about future events of Lyon Rustaceans").check()
    screen.shot("two-holders")
    page.get_by_role("button", name="Register").click()

    page.wait_for_url(re.compile(r"/orders/[\w-]+/$"))
    expect(page.locator(".fan-pass svg.qr")).to_have_count(2)
    order = Order.objects.get(event=event)
    assert list(order.tickets.order_by("pk").values_list("holder_name", flat=True)) == ["Alex Martin", "Sam Durand"]
    assert order.marketing_consent is True


def test_fan_buys_a_paid_ticket_and_the_page_updates_itself(screens, fake_stripe, live_server):
    event = _event(price=Decimal("12.00"))
    screen = screens("phone")
    page = screen.page
    # The fake Stripe page has no icon; the browser's request for one is no error of ours.
    page.route(f"{fake_stripe.base_url}/favicon.ico", lambda route: route.fulfill(status=204, body=""))

    page.goto("/c/lyon-rust/rust-pizza/register/")
    page.get_by_label("Your name").fill("Alex Martin")
    page.get_by_label("Your e-mail").fill("alex@example.com")
    page.get_by_role("button", name="Continue").click()

    page.wait_for_url(re.compile(re.escape(fake_stripe.base_url) + r"/pay/cs_\w+"))
    screen.shot("checkout")
    page.get_by_role("button", name="Pay").click()
    page.wait_for_url(re.compile(r"/orders/[\w-]+/\?checkout=success$"))
    expect(page.get_by_text("Waiting for your payment")).to_be_visible()
    screen.shot("pending")
    screen.assert_accessible("pending")

    # Stripe's webhook arrives while the fan looks at the page: it reloads by itself with the ticket.
    order = Order.objects.get(event=event)
    fake_stripe.webhook_url = f"{live_server.url}/stripe/webhook/"
    assert fake_stripe.send_webhook("checkout.session.completed", order.stripe_checkout_session_id) == 200
    expect(page.get_by_text("You're in!")).to_be_visible()
    _assert_big_qr(page)
    screen.shot("paid")
    order.refresh_from_db()
    assert order.status == Order.Status.CONFIRMED


def test_fan_joins_the_waiting_list_and_claims_a_freed_place(screens):
    event = _event(capacity=1)
    ticket_type = event.ticket_types.get()
    first = place_order(
        event=event,
        quantities={ticket_type.pk: 1},
        holders=[("First", "first@example.com")],
        buyer_name="First",
        buyer_email="first@example.com",
    )
    screen = screens("phone")
    page = screen.page

    page.goto(event.get_absolute_url())
    page.get_by_role("link", name="Join the waiting list").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Join the waiting list")
    screen.shot("waitinglist-join")
    screen.assert_accessible("waiting list join")
    page.get_by_label("Your name").fill("Sam Durand")
    page.get_by_label("Your e-mail").fill("sam@example.com")
    page.get_by_role("button", name="Join the waiting list").click()
    expect(page.get_by_text("You're on the waiting list, Sam Durand.")).to_be_visible()
    screen.shot("waitinglist-entry")
    screen.assert_accessible("waiting list entry")

    cancel_order(order=first)
    entry = WaitingListEntry.objects.get(email="sam@example.com")
    assert entry.status == WaitingListEntry.Status.OFFERED

    page.goto(f"/waiting-list/offer/{entry.offer_token}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Claim your place")
    expect(page.get_by_label("Your e-mail")).to_have_value("sam@example.com")
    screen.shot("claim")
    screen.assert_accessible("claim")
    page.get_by_role("button", name="Claim my place").click()

    page.wait_for_url(re.compile(r"/orders/[\w-]+/$"))
    expect(page.get_by_text("You're in!")).to_be_visible()
    _assert_big_qr(page)
    entry.refresh_from_db()
    assert entry.status == WaitingListEntry.Status.CLAIMED
