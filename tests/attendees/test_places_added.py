"""Places added while people wait (capacity or a ticket type's quantity raised) go to the waiting list first:
events.signals.places_added -> attendees task -> offer_next, before anyone else reaches the page."""

import pytest
from django.core import mail

from attendees.models import OutgoingEmail, WaitingListEntry
from attendees.services import RegistrationError, join_waiting_list, place_order
from events.services import update_event, update_ticket_type
from tests.attendees.helpers import assert_counters_match, counters
from tests.factories import EventFactory, TicketTypeFactory

pytestmark = pytest.mark.django_db


def register(ticket_type, email):
    return place_order(
        event=ticket_type.event,
        quantities={ticket_type.pk: 1},
        holders=[("Fan", email)],
        buyer_name="Fan",
        buyer_email=email,
    )


def waiting_states(event):
    return list(
        WaitingListEntry.objects.filter(event=event)
        .order_by("created_at", "pk")
        .values_list("email", "status", "offered_quantity")
    )


@pytest.fixture
def full(db):
    """Two places taken, Ann then Ben waiting."""
    event = EventFactory(title="Rust & Pizza", community__name="Lyon Rust", capacity=2)
    ticket_type = TicketTypeFactory(event=event, quantity=10)
    register(ticket_type, "a@example.com")
    register(ticket_type, "b@example.com")
    join_waiting_list(event=event, name="Ann", email="ann@example.com")
    join_waiting_list(event=event, name="Ben", email="ben@example.com")
    mail.outbox.clear()
    return ticket_type


def test_capacity_raised_by_one_offers_the_place_to_the_first_in_line(full, django_capture_on_commit_callbacks):
    event = full.event

    with django_capture_on_commit_callbacks(execute=True):
        update_event(event=event, capacity=3)

    assert waiting_states(event) == [
        ("ann@example.com", WaitingListEntry.Status.OFFERED, 1),
        ("ben@example.com", WaitingListEntry.Status.WAITING, 0),
    ]
    assert counters(event) == (3, {full.pk: 2})  # the offer holds the new place
    assert_counters_match(event)
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["ann@example.com"], "[Lyon Rust] A place is free for you at Rust & Pizza")
    ]
    assert list(OutgoingEmail.objects.filter(entry__isnull=False).values_list("kind", "entry__email", "status")) == [
        (OutgoingEmail.Kind.OFFER, "ann@example.com", OutgoingEmail.Status.SENT)
    ]
    # Someone who just comes to the page cannot take Ann's place.
    with pytest.raises(RegistrationError) as exc:
        register(full, "quick@example.com")
    assert exc.value.code == "sold_out"


def test_ticket_type_quantity_raised_offers_the_places(db, django_capture_on_commit_callbacks):
    event = EventFactory(title="Rust & Pizza", capacity=None)
    ticket_type = TicketTypeFactory(event=event, quantity=1)
    register(ticket_type, "a@example.com")
    join_waiting_list(event=event, name="Ann", email="ann@example.com")
    join_waiting_list(event=event, name="Ben", email="ben@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        update_ticket_type(ticket_type=ticket_type, quantity=2)

    assert [s for _e, s, _q in waiting_states(event)] == [
        WaitingListEntry.Status.OFFERED,
        WaitingListEntry.Status.WAITING,
    ]
    assert [m.to for m in mail.outbox] == [["ann@example.com"]]


def test_capacity_unchanged_or_another_field_offers_nothing(full, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        update_event(event=full.event, capacity=2, title="Rust, Pizza & Beer")
        update_ticket_type(ticket_type=full, name="Seat")

    assert [s for _e, s, _q in waiting_states(full.event)] == [WaitingListEntry.Status.WAITING] * 2
    assert mail.outbox == []


def test_places_added_task_run_twice_makes_one_offer(full, django_capture_on_commit_callbacks):
    from attendees import tasks

    with django_capture_on_commit_callbacks(execute=True):
        update_event(event=full.event, capacity=3)
        tasks.offer_added_places.enqueue(event_id=full.event.pk)
        tasks.offer_added_places.enqueue(event_id=0)  # an event deleted meanwhile: nothing to do

    assert [s for _e, s, _q in waiting_states(full.event)] == [
        WaitingListEntry.Status.OFFERED,
        WaitingListEntry.Status.WAITING,
    ]
    assert len(mail.outbox) == 1
