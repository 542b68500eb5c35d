"""The order page (tickets with their QR codes, status while paying, cancel) and "My tickets"."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from attendees.models import Order, Ticket
from attendees.services import place_order
from tests.attendees.factories import OrderFactory, TicketFactory
from tests.attendees.helpers import assert_counters_match
from tests.factories import EventFactory, TicketTypeFactory, UserFactory


@pytest.fixture
def standard(db):
    event = EventFactory(title="Rust & Pizza", capacity=20, time_zone="America/New_York")
    return TicketTypeFactory(event=event, name="Standard", quantity=20)


def _place(ticket_type, *, count=1, email="alex@example.com", user=None):
    return place_order(
        event=ticket_type.event,
        quantities={ticket_type.pk: count},
        holders=[("Alex Martin", email)] + [(f"Guest {i}", f"guest{i}@example.com") for i in range(1, count)],
        buyer_name="Alex Martin",
        buyer_email=email,
        user=user,
    )


def _order_url(order):
    return reverse("attendees:order", kwargs={"token": order.access_token})


def test_order_page_is_the_stripe_success_address(standard, settings):
    from attendees.services.payments import order_page_url

    order = _place(standard)

    assert order_page_url(order) == settings.SITE_URL + _order_url(order)


def test_order_page_confirmed_shows_each_ticket_with_its_qr(client, standard):
    order = _place(standard, count=2)

    response = client.get(_order_url(order))

    html = response.content.decode()
    secrets = list(order.tickets.order_by("pk").values_list("secret", flat=True))
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    assert "You're in!" in html
    assert html.count('<svg version="1.1" viewBox=') == 2
    assert 'aria-label="QR code of ticket 1 of 2"' in html
    assert 'aria-label="QR code of ticket 2 of 2"' in html
    assert all(secret not in html for secret in secrets)  # drawn, never written out
    assert "Guest 1" in html and "Standard · ticket 2 of 2" in html
    assert "Times in" in html and "New York" in html
    assert "calendar.google.com" in html
    assert reverse("events:event_ics", kwargs={"community": order.event.community.slug, "event": order.event.slug}) in (
        html
    )
    assert reverse("attendees:order_cancel", kwargs={"token": order.access_token}) in html
    assert "hx-get" not in html


def test_order_page_shows_times_in_the_event_time_zone(client, standard):
    start = dt.datetime(2031, 5, 6, 23, 30, tzinfo=dt.UTC)  # 19:30 in New York
    standard.event.start, standard.event.end = start, start + dt.timedelta(hours=2)
    standard.event.save()
    order = _place(standard)

    html = client.get(_order_url(order)).content.decode()

    assert re.search(r"7:30\s*PM", html)


def test_order_page_pending_payment_polls_and_links_to_checkout(client, standard, fake_stripe):
    paid = TicketTypeFactory(event=standard.event, price=Decimal("10.00"), quantity=5)
    order = place_order(
        event=standard.event,
        quantities={paid.pk: 1},
        holders=[("Alex", "alex@example.com")],
        buyer_name="Alex",
        buyer_email="alex@example.com",
    )

    html = client.get(_order_url(order) + "?checkout=cancelled").content.decode()

    status_url = reverse("attendees:order_status", kwargs={"token": order.access_token})
    assert "Waiting for your payment" in html
    assert "You left the payment page before paying." in html
    assert f'hx-get="{status_url}?checkout=cancelled" hx-trigger="every 2s"' in html
    assert "vendor/htmx.min.js" in html
    assert '<noscript><meta http-equiv="refresh" content="5"></noscript>' in html
    assert f'href="{order.stripe_checkout_url}"' in html
    assert '<svg version="1.1"' not in html


def test_order_status_partial_keeps_polling_while_pending(client, standard, fake_stripe):
    order = OrderFactory(event=standard.event, status=Order.Status.PENDING_PAYMENT, total=Decimal("10"))

    response = client.get(reverse("attendees:order_status", kwargs={"token": order.access_token}))

    assert "HX-Refresh" not in response.headers
    assert response.content.decode().startswith('<div id="order-status" class="fan-status fan-status--pending_payment"')


def test_order_status_partial_reloads_the_page_once_settled(client, standard):
    order = _place(standard)

    response = client.get(reverse("attendees:order_status", kwargs={"token": order.access_token}))

    assert response["HX-Refresh"] == "true"
    assert "hx-get" not in response.content.decode()


@pytest.mark.parametrize(
    ("status", "text"),
    [
        (Order.Status.CANCELLED, "This registration is cancelled."),
        (Order.Status.REFUNDED, "This registration is cancelled and refunded."),
        (Order.Status.EXPIRED, "The payment was not completed in time."),
        (Order.Status.PENDING_APPROVAL, "Waiting for the organisers"),
        (Order.Status.DECLINED, "The organisers declined this registration."),
    ],
)
def test_order_page_says_the_status_and_shows_no_qr(client, standard, status, text):
    order = OrderFactory(event=standard.event, status=status)
    TicketFactory(order=order, ticket_type=standard)

    html = client.get(_order_url(order)).content.decode()

    assert text in html
    assert '<svg version="1.1"' not in html


@pytest.mark.parametrize("token", ["short", "x" * 32, "a" * 65, "../../etc"])
def test_order_page_unknown_token_is_404(client, db, token):
    assert client.get(f"/orders/{token}/").status_code == 404
    assert client.get(f"/orders/{token}/status/").status_code == 404
    assert client.post(f"/orders/{token}/cancel/").status_code == 404


def test_order_cancel_asks_first_then_cancels(client, standard):
    order = _place(standard, count=2)
    url = reverse("attendees:order_cancel", kwargs={"token": order.access_token})

    page = client.get(url)
    assert "Your 2 tickets will no longer be valid" in page.content.decode()
    assert Order.objects.get().status == Order.Status.CONFIRMED

    response = client.post(url, follow=True)

    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert set(order.tickets.values_list("status", flat=True)) == {Ticket.Status.CANCELLED}
    html = response.content.decode()
    assert "Your registration is cancelled. Your places went back to the pool." in html
    assert "This registration is cancelled." in html
    assert assert_counters_match(standard.event) is None


def test_order_cancel_twice_says_so_and_changes_nothing(client, standard):
    order = _place(standard)
    url = reverse("attendees:order_cancel", kwargs={"token": order.access_token})
    client.post(url)

    response = client.post(url, follow=True)

    assert "This registration is already cancelled." in response.content.decode()
    assert Order.objects.get().status == Order.Status.CANCELLED


def test_order_cancel_past_the_cutoff_is_refused(client, standard):
    standard.event.start = timezone.now() + dt.timedelta(hours=2)
    standard.event.end = standard.event.start + dt.timedelta(hours=2)
    standard.event.cancellation_cutoff_hours = 24
    standard.event.save()
    order = _place(standard)

    response = client.post(reverse("attendees:order_cancel", kwargs={"token": order.access_token}), follow=True)

    assert "Registrations can be cancelled until 24 hours before the event starts." in response.content.decode()
    assert Order.objects.get().status == Order.Status.CONFIRMED


# My tickets


def test_my_tickets_needs_login(client, db):
    response = client.get(reverse("attendees:my_tickets"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_my_tickets_lists_upcoming_and_past_orders_of_the_user_only(client, standard):
    user = UserFactory()
    client.force_login(user)
    now = timezone.now()
    soon = _place(standard, user=user)
    later_event = EventFactory(title="Later meetup", start=now + dt.timedelta(days=30))
    later = OrderFactory(event=later_event, user=user)
    past_event = EventFactory(title="Old meetup", start=now - dt.timedelta(days=30))
    past = OrderFactory(event=past_event, user=user, status=Order.Status.CANCELLED)
    OrderFactory(event=EventFactory(title="Someone else's"), user=UserFactory())

    response = client.get(reverse("attendees:my_tickets"))

    assert [o.pk for o in response.context["upcoming"]] == [soon.pk, later.pk]
    assert [o.pk for o in response.context["past"]] == [past.pk]
    html = response.content.decode()
    assert "Someone else" not in html
    assert _order_url(soon) in html and _order_url(past) in html
    assert "1 ticket" in html
    assert "Cancelled" in html


def test_my_tickets_empty(client, user):
    client.force_login(user)

    html = client.get(reverse("attendees:my_tickets")).content.decode()

    assert "No upcoming tickets." in html
    assert 'href="/my/tickets/"' in html  # the header link


@pytest.mark.parametrize("rows", [1, 3])
def test_my_tickets_query_count_is_constant(client, user, rows, django_assert_num_queries):
    client.force_login(user)
    for _ in range(rows):
        order = OrderFactory(user=user)
        TicketFactory(order=order)
        TicketFactory(order=order)

    # session, user, the orders with their events, communities, venues and ticket counts
    with django_assert_num_queries(3):
        response = client.get(reverse("attendees:my_tickets"))

    assert len(response.context["upcoming"]) == rows
    assert [o.ticket_count for o in response.context["upcoming"]] == [2] * rows


def test_login_attaches_orders_of_verified_addresses(client, standard):
    order = _place(standard, email="camille@example.com")
    user = UserFactory(email="camille@example.com")

    client.post(reverse("account_login"), {"login": "camille@example.com", "password": "correct-horse-battery"})

    order.refresh_from_db()
    assert order.user == user


def test_email_confirmation_attaches_orders(standard):
    from allauth.account.models import EmailAddress
    from allauth.account.signals import email_confirmed

    order = _place(standard, email="second@example.com")
    user = UserFactory()
    address = EmailAddress.objects.create(user=user, email="second@example.com", verified=True)

    email_confirmed.send(sender=EmailAddress, request=None, email_address=address)

    order.refresh_from_db()
    assert order.user == user


# Cancellation deadline, approval and approved-to-pay states


def _set_start(event, start, *, cutoff=24, **fields):
    event.start, event.end, event.cancellation_cutoff_hours = start, start + dt.timedelta(hours=2), cutoff
    for name, value in fields.items():
        setattr(event, name, value)
    event.save()


def test_order_page_says_until_when_the_fan_can_cancel_in_the_event_time_zone(client, standard):
    _set_start(standard.event, dt.datetime(2031, 5, 6, 23, 30, tzinfo=dt.UTC))  # 19:30 in New York
    order = _place(standard)

    html = client.get(_order_url(order)).content.decode()

    assert "You can cancel until Monday, May 5, 2031, 7:30 PM." in html
    assert "refunded" not in html  # a free order has nothing to refund
    assert reverse("attendees:order_cancel", kwargs={"token": order.access_token}) in html
    assert "Cancellation closed" not in html


def test_order_page_after_the_deadline_hides_the_cancel_button(client, standard):
    _set_start(standard.event, timezone.now() + dt.timedelta(hours=2), cutoff=24)
    order = _place(standard)
    deadline = standard.event.start - dt.timedelta(hours=24)
    from events.templatetags.rendezvous import long_date

    html = client.get(_order_url(order)).content.decode()

    cancel_url = reverse("attendees:order_cancel", kwargs={"token": order.access_token})
    assert cancel_url not in html
    assert "You can cancel until" not in html
    assert (
        f"Cancellation closed on {long_date(deadline, 'America/New_York')}. If you cannot come, please let the "
        "organisers know." in html
    )
    page = client.get(cancel_url).content.decode()
    assert "Yes, cancel my registration" not in page
    assert "Cancellation closed on" in page
    # The server refuses all the same when the form is posted anyway (a page left open, a crafted request).
    client.post(cancel_url)
    assert Order.objects.get().status == Order.Status.CONFIRMED


def test_order_page_pending_payment_can_be_cancelled_after_the_deadline(client, standard, fake_stripe):
    _set_start(standard.event, timezone.now() + dt.timedelta(hours=2), cutoff=24)
    paid = TicketTypeFactory(event=standard.event, price=Decimal("10.00"), quantity=5)
    order = place_order(
        event=standard.event,
        quantities={paid.pk: 1},
        holders=[("Alex", "alex@example.com")],
        buyer_name="Alex",
        buyer_email="alex@example.com",
    )

    html = client.get(_order_url(order)).content.decode()

    assert reverse("attendees:order_cancel", kwargs={"token": order.access_token}) in html
    assert "You can cancel until" not in html and "Cancellation closed" not in html


@pytest.mark.parametrize(
    ("policy", "text"),
    [
        ("full_until_cutoff", "Your payment is then refunded in full."),
        ("none", "This event does not refund cancelled tickets."),
    ],
)
def test_order_page_paid_order_says_what_cancelling_refunds(client, standard, policy, text):
    _set_start(standard.event, dt.datetime(2031, 5, 6, 23, 30, tzinfo=dt.UTC), refund_policy=policy)
    order = OrderFactory(event=standard.event, status=Order.Status.CONFIRMED, total=Decimal("10"))
    TicketFactory(order=order, ticket_type=standard, price=Decimal("10"))

    html = client.get(_order_url(order)).content.decode()

    assert f"You can cancel until Monday, May 5, 2031, 7:30 PM. {text}" in html


def test_order_page_pending_approval_says_the_organisers_review_it(client, standard):
    standard.event.approval_required = True
    standard.event.save()
    order = _place(standard)

    html = client.get(_order_url(order)).content.decode()

    assert order.status == Order.Status.PENDING_APPROVAL
    assert "Waiting for the organisers" in html
    assert (
        "The organisers review each registration for this event; you will get an e-mail at alex@example.com as "
        "soon as they decide." in html
    )
    assert "Nothing is charged yet" not in html  # free
    # The organisers take hours, not seconds: the page looks again every half minute.
    assert 'hx-trigger="every 30s"' in html
    assert reverse("attendees:order_cancel", kwargs={"token": order.access_token}) in html
    assert '<svg version="1.1"' not in html


def test_order_page_pending_approval_of_a_paid_order_says_nothing_is_charged_yet(client, standard):
    standard.event.approval_required = True
    standard.event.save()
    order = OrderFactory(event=standard.event, status=Order.Status.PENDING_APPROVAL, total=Decimal("12"))
    TicketFactory(order=order, ticket_type=standard, price=Decimal("12"))

    html = client.get(_order_url(order)).content.decode()

    assert "Nothing is charged yet: if they accept your registration, the e-mail brings a link to pay." in html
    assert "Go to the payment page" not in html


def test_order_page_approved_order_links_to_checkout_with_its_deadline(client, standard, fake_stripe):
    from attendees.services.approval import approve_order
    from events.templatetags.rendezvous import long_date

    standard.event.approval_required = True
    standard.event.save()
    paid = TicketTypeFactory(event=standard.event, name="Supporter", price=Decimal("12.00"), quantity=5)
    order = place_order(
        event=standard.event,
        quantities={paid.pk: 1},
        holders=[("Alex", "alex@example.com")],
        buyer_name="Alex",
        buyer_email="alex@example.com",
    )
    order = approve_order(order=order, by=UserFactory())

    html = client.get(_order_url(order)).content.decode()

    order.refresh_from_db()
    assert order.status == Order.Status.PENDING_PAYMENT and order.stripe_checkout_url
    assert "Approved: pay to confirm your places" in html
    assert (
        f"The organisers approved your registration. Pay before "
        f"{long_date(order.hold_expires_at, 'America/New_York')} to confirm it: after that, your places go to other "
        "people." in html
    )
    assert f'<a class="button" href="{order.stripe_checkout_url}">Pay €12.00</a>' in html
    assert 'hx-trigger="every 30s"' in html
    assert "Waiting for your payment" not in html
    # Back from Stripe having paid: the page says so and looks often until the webhook confirms.
    html = client.get(_order_url(order) + "?checkout=success").content.decode()
    assert "Stripe is confirming your payment" in html
    assert 'hx-trigger="every 2s"' in html
    assert "Pay €12.00" not in html


def test_order_page_unknown_checkout_value_is_ignored(client, standard, fake_stripe):
    order = OrderFactory(event=standard.event, status=Order.Status.PENDING_PAYMENT, total=Decimal("10"))

    html = client.get(_order_url(order) + '?checkout="><script>').content.decode()

    status_url = reverse("attendees:order_status", kwargs={"token": order.access_token})
    assert f'hx-get="{status_url}" hx-trigger="every 2s"' in html
    assert '"><script>' not in html
