"""Waiting-list pages: join when sold out, see where you stand, leave, claim an offer through registration."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from attendees.models import Order, WaitingListEntry
from attendees.services import cancel_order, join_waiting_list, place_order
from tests.attendees.helpers import assert_counters_match
from tests.factories import EventFactory, TicketTypeFactory, UserFactory


@pytest.fixture
def full(db):
    """An event of one place, taken."""
    event = EventFactory(title="Tiny meetup", slug="tiny", community__slug="small", capacity=1)
    ticket_type = TicketTypeFactory(event=event, name="Seat", quantity=5)
    place_order(
        event=event,
        quantities={ticket_type.pk: 1},
        holders=[("First", "first@example.com")],
        buyer_name="First",
        buyer_email="first@example.com",
    )
    event.refresh_from_db()
    return ticket_type


def _join_url(event):
    return reverse("attendees:waitinglist_join", kwargs={"community": event.community.slug, "event": event.slug})


def _entry_url(entry):
    return reverse("attendees:waitinglist_entry", kwargs={"token": entry.access_token})


def _claim_url(entry):
    return reverse("attendees:waitinglist_claim", kwargs={"token": entry.offer_token})


def test_waitinglist_join_page_has_the_form(client, full):
    html = client.get(_join_url(full.event)).content.decode()

    assert "<h1>Join the waiting list</h1>" in html
    assert 'name="quantity"' in html and 'name="email"' in html


def test_waitinglist_join_signed_in_fan_gets_details_filled_in(client, full):
    client.force_login(UserFactory(first_name="Lou", email="lou@example.com"))

    html = client.get(_join_url(full.event)).content.decode()

    assert 'value="Lou"' in html and 'value="lou@example.com"' in html


def test_waitinglist_join_confirms_with_a_leave_link(client, full):
    response = client.post(_join_url(full.event), {"name": "Sam", "email": "Sam@Example.com", "quantity": "2"})

    entry = WaitingListEntry.objects.get()
    assert (entry.name, entry.email, entry.quantity, entry.status) == ("Sam", "sam@example.com", 2, "waiting")
    assert response["Location"] == _entry_url(entry)
    html = client.get(response["Location"]).content.decode()
    assert "You're on the waiting list, Sam." in html
    assert "When 2 places free up, we write to sam@example.com" in html
    assert reverse("attendees:waitinglist_leave", kwargs={"token": entry.access_token}) in html


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "Sam", "email": "sam@", "quantity": "1"}, "Enter a valid email address."),
        ({"name": "", "email": "sam@example.com", "quantity": "1"}, "This field is required."),
        ({"name": "Sam", "email": "sam@example.com", "quantity": "0"}, "Select a valid choice."),
        ({"name": "Sam", "email": "sam@example.com", "quantity": "11"}, "Select a valid choice."),
        ({"name": "Sam", "email": "sam@example.com", "quantity": "x"}, "Select a valid choice."),
    ],
)
def test_waitinglist_join_bad_input_is_refused(client, full, data, message):
    response = client.post(_join_url(full.event), data)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert WaitingListEntry.objects.count() == 0


def test_waitinglist_join_twice_is_refused(client, full):
    client.post(_join_url(full.event), {"name": "Sam", "email": "sam@example.com", "quantity": "1"})

    response = client.post(_join_url(full.event), {"name": "Sam", "email": "SAM@example.com", "quantity": "1"})

    assert response.status_code == 409
    assert "This e-mail address is already on the waiting list." in response.content.decode()
    assert WaitingListEntry.objects.count() == 1


def test_waitinglist_join_with_places_left_points_to_registration(client, full):
    full.event.capacity = 5
    full.event.save()

    response = client.post(_join_url(full.event), {"name": "Sam", "email": "sam@example.com", "quantity": "1"})

    html = response.content.decode()
    assert "There are places left: you can register right away." in html
    assert reverse("attendees:register", kwargs={"community": "small", "event": "tiny"}) in html
    assert WaitingListEntry.objects.count() == 0


def test_waitinglist_join_cancelled_event_is_refused(client, full):
    full.event.status = "cancelled"
    full.event.save()

    response = client.post(_join_url(full.event), {"name": "Sam", "email": "sam@example.com", "quantity": "1"})

    assert "This event has been cancelled." in response.content.decode()
    assert WaitingListEntry.objects.count() == 0


def test_waitinglist_leave_asks_then_leaves(client, full):
    entry = join_waiting_list(event=full.event, name="Sam", email="sam@example.com")
    url = reverse("attendees:waitinglist_leave", kwargs={"token": entry.access_token})

    assert "Yes, leave the list" in client.get(url).content.decode()
    response = client.post(url, follow=True)

    entry.refresh_from_db()
    assert entry.status == WaitingListEntry.Status.LEFT
    html = response.content.decode()
    assert "You left the waiting list." in html
    assert "You are no longer on the waiting list." in html


@pytest.mark.parametrize("name", ["waitinglist_entry", "waitinglist_leave", "waitinglist_claim"])
@pytest.mark.parametrize("token", ["short", "y" * 32])
def test_waitinglist_garbage_tokens_are_refused(client, db, name, token):
    response = client.get(reverse(f"attendees:{name}", kwargs={"token": token}))

    assert response.status_code == 404
    if name == "waitinglist_claim":
        assert "This offer link is not valid." in response.content.decode()


def test_waitinglist_claim_goes_through_registration(client, full):
    entry = join_waiting_list(event=full.event, name="Sam", email="sam@example.com")
    cancel_order(order=Order.objects.get())
    entry.refresh_from_db()
    assert entry.status == WaitingListEntry.Status.OFFERED

    page = client.get(_claim_url(entry)).content.decode()
    assert "<h1>Claim your place</h1>" in page
    assert "A place frees up for you, Sam." in page
    assert 'value="sam@example.com"' in page

    response = client.post(
        _claim_url(entry), {f"quantity_{full.pk}": "1", "buyer_name": "Sam", "buyer_email": "sam@example.com"}
    )

    order = Order.objects.get(buyer_email="sam@example.com")
    assert response["Location"] == reverse("attendees:order", kwargs={"token": order.access_token})
    assert order.status == Order.Status.CONFIRMED
    entry.refresh_from_db()
    assert (entry.status, entry.order) == (WaitingListEntry.Status.CLAIMED, order)
    assert_counters_match(full.event)
    # The claim link now leads to the tickets.
    assert client.get(_claim_url(entry))["Location"] == reverse("attendees:order", kwargs={"token": order.access_token})


def test_waitinglist_claim_more_than_offered_is_refused(client, full):
    entry = join_waiting_list(event=full.event, name="Sam", email="sam@example.com")
    cancel_order(order=Order.objects.get())
    entry.refresh_from_db()

    response = client.post(
        _claim_url(entry),
        {f"quantity_{full.pk}": "2", "buyer_name": "Sam", "buyer_email": "sam@example.com", "holder_1_name": "B"},
    )

    assert response.status_code == 400
    assert "Select a valid choice. 2 is not one of the available choices." in response.content.decode()
    assert Order.objects.filter(buyer_email="sam@example.com").count() == 0


def test_waitinglist_claim_expired_offer_says_so(client, full):
    entry = join_waiting_list(event=full.event, name="Sam", email="sam@example.com")
    cancel_order(order=Order.objects.get())
    WaitingListEntry.objects.filter(pk=entry.pk).update(offer_expires_at=timezone.now() - dt.timedelta(minutes=1))
    entry.refresh_from_db()

    response = client.post(
        _claim_url(entry), {f"quantity_{full.pk}": "1", "buyer_name": "Sam", "buyer_email": "sam@example.com"}
    )

    assert response.status_code == 404
    assert "This offer has expired and the places went to the next in line." in response.content.decode()
    assert Order.objects.filter(buyer_email="sam@example.com").count() == 0


# Waiting list switched off; its quantity choices


def test_waitinglist_join_without_waiting_list_says_so_and_shows_no_form(client, full):
    full.event.waiting_list_enabled = False
    full.event.save()

    response = client.get(_join_url(full.event))

    html = response.content.decode()
    assert response.status_code == 200
    assert "This event is sold out." in html
    assert "This event has no waiting list." in html
    assert 'name="email"' not in html
    assert "Join the waiting list" not in html


def test_waitinglist_join_post_without_waiting_list_changes_nothing(client, full):
    full.event.waiting_list_enabled = False
    full.event.save()

    response = client.post(_join_url(full.event), {"name": "Sam", "email": "sam@example.com", "quantity": "1"})

    assert response.status_code == 409
    assert "This event has no waiting list." in response.content.decode()
    assert WaitingListEntry.objects.count() == 0


def test_waitinglist_join_without_waiting_list_and_places_left_points_to_registration(client, db):
    event = EventFactory(capacity=10, waiting_list_enabled=False)
    TicketTypeFactory(event=event, quantity=10)

    html = client.get(_join_url(event)).content.decode()

    register_url = reverse("attendees:register", kwargs={"community": event.community.slug, "event": event.slug})
    assert "Places are still available: you can register right away." in html
    assert f'href="{register_url}">Register</a>' in html


def test_waitinglist_join_quantity_choices_follow_the_events_ticket_limit(client, full):
    import re

    full.event.max_tickets_per_order = 3
    full.event.save()

    html = client.get(_join_url(full.event)).content.decode()

    select = re.search(r'<select name="quantity"[^>]*>(.*?)</select>', html, re.S).group(1)
    assert re.findall(r'<option value="(\d+)"', select) == ["1", "2", "3"]
