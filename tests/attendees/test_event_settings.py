"""The event's registration settings: edited on the organiser form, and each one obeyed by the services."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from attendees.models import Order, Ticket, WaitingListEntry
from attendees.services import RegistrationError, cancel_order, join_waiting_list, place_order
from events.forms import EventForm
from events.models import Event
from events.services import EventError, create_event, update_event
from tests.attendees.helpers import assert_counters_match, counters
from tests.factories import EventFactory, TicketTypeFactory

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


def form_data(**overrides) -> dict:
    data = {
        "title": "Rust night",
        "slug": "",
        "summary": "",
        "description": "",
        "time_zone": "Europe/Paris",
        "start": "2030-06-10T19:00",
        "end": "2030-06-10T22:00",
        "venue": "",
        "online_url": "",
        "capacity": "",
        "visibility": "public",
        "registration_opens_at": "",
        "registration_closes_at": "",
        "approval_required": "on",
        "waiting_list_enabled": "on",
        "claim_window_hours": "6",
        "cancellation_cutoff_hours": "48",
        "refund_policy": "none",
        "max_tickets_per_order": "4",
    }
    return {**data, **overrides}


SETTINGS = (
    "approval_required",
    "waiting_list_enabled",
    "claim_window_hours",
    "cancellation_cutoff_hours",
    "refund_policy",
    "max_tickets_per_order",
)


def settings_of(event) -> tuple:
    return tuple(Event.objects.values_list(*SETTINGS).get(pk=event.pk))


# Defaults, the form and the services


def test_event_settings_defaults(community):
    event = EventFactory(community=community)

    assert settings_of(event) == (False, True, 24, 24, "full_until_cutoff", 10)


def test_event_form_for_a_new_event_starts_from_the_defaults(community):
    form = EventForm(community=community)

    assert [form[name].value() for name in SETTINGS] == [False, True, 24, 24, "full_until_cutoff", 10]


def test_event_form_for_an_event_shows_its_settings(community):
    event = EventFactory(community=community, approval_required=True, claim_window_hours=3, refund_policy="none")

    form = EventForm(community=community, event=event)

    assert [form[name].value() for name in SETTINGS] == [True, True, 3, 24, "none", 10]


def test_event_form_cleans_the_settings(community):
    form = EventForm(form_data(), community=community)

    assert form.is_valid(), form.errors
    assert {name: form.service_kwargs()[name] for name in SETTINGS} == {
        "approval_required": True,
        "waiting_list_enabled": True,
        "claim_window_hours": 6,
        "cancellation_cutoff_hours": 48,
        "refund_policy": "none",
        "max_tickets_per_order": 4,
    }


def test_event_form_settings_left_empty_take_the_defaults(community):
    data = form_data(claim_window_hours="", cancellation_cutoff_hours="", refund_policy="", max_tickets_per_order="")
    del data["approval_required"], data["waiting_list_enabled"]  # unticked boxes are not posted
    form = EventForm(data, community=community)

    assert form.is_valid(), form.errors
    assert [form.service_kwargs()[name] for name in SETTINGS] == [False, False, 24, 24, "full_until_cutoff", 10]


@pytest.mark.parametrize(
    ("overrides", "errors"),
    [
        ({"claim_window_hours": "0"}, {"claim_window_hours": ["Ensure this value is greater than or equal to 1."]}),
        ({"claim_window_hours": "169"}, {"claim_window_hours": ["Ensure this value is less than or equal to 168."]}),
        (
            {"cancellation_cutoff_hours": "-1"},
            {"cancellation_cutoff_hours": ["Ensure this value is greater than or equal to 0."]},
        ),
        (
            {"max_tickets_per_order": "51"},
            {"max_tickets_per_order": ["Ensure this value is less than or equal to 50."]},
        ),
        ({"max_tickets_per_order": "two"}, {"max_tickets_per_order": ["Enter a whole number."]}),
        ({"refund_policy": "half"}, {"refund_policy": ["Choose a refund policy from the list."]}),
    ],
)
def test_event_form_refuses_bad_settings(community, overrides, errors):
    form = EventForm(form_data(**overrides), community=community)

    assert not form.is_valid()
    assert form.errors == errors


def test_event_edit_page_saves_the_settings(organiser_client, community):
    event = EventFactory(community=community, start=dt.datetime(2030, 6, 10, 17, tzinfo=dt.UTC))

    response = organiser_client.post(
        reverse("manage:event_edit", args=[community.slug, event.slug]), form_data(), follow=True
    )

    assert response.redirect_chain == [(reverse("manage:event", args=[community.slug, event.slug]), 302)]
    assert settings_of(event) == (True, True, 6, 48, "none", 4)


def test_event_edit_page_shows_the_settings_with_their_help(organiser_client, community):
    event = EventFactory(community=community)

    response = organiser_client.get(reverse("manage:event_edit", args=[community.slug, event.slug]))

    html = response.content.decode()
    assert "Registration rules" in html
    assert '<input type="number" name="claim_window_hours" value="24"' in html
    assert "Registrations wait until an organiser approves them; paid tickets are paid after approval." in html
    assert "0 lets attendees cancel until the event starts." in html


def test_create_event_stores_the_settings(community):
    start = timezone.now() + dt.timedelta(days=3)
    event = create_event(
        community=community, title="Quiet night", start=start, end=start + dt.timedelta(hours=2), approval_required=True
    )

    assert settings_of(event) == (True, True, 24, 24, "full_until_cutoff", 10)


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("claim_window_hours", 0, "claim_window_hours_invalid"),
        ("claim_window_hours", "6", "claim_window_hours_invalid"),
        ("cancellation_cutoff_hours", 721, "cancellation_cutoff_hours_invalid"),
        ("max_tickets_per_order", True, "max_tickets_per_order_invalid"),
        ("max_tickets_per_order", 51, "max_tickets_per_order_invalid"),
        ("refund_policy", "half", "refund_policy_invalid"),
    ],
)
def test_update_event_refuses_bad_settings(community, field, value, code):
    event = EventFactory(community=community)

    with pytest.raises(EventError) as exc:
        update_event(event=event, **{field: value})

    assert (exc.value.code, exc.value.field) == (code, field)
    assert settings_of(event) == (False, True, 24, 24, "full_until_cutoff", 10)


# Claim window


def test_offer_lasts_the_events_claim_window(db):
    ticket_type = TicketTypeFactory(event=EventFactory(capacity=1, claim_window_hours=3), quantity=5)
    order = register(ticket_type)
    entry = join_waiting_list(event=ticket_type.event, name="Sam", email="sam@example.com")
    before = timezone.now()

    cancel_order(order=order)

    entry.refresh_from_db()
    assert entry.status == WaitingListEntry.Status.OFFERED
    assert before + dt.timedelta(hours=3) <= entry.offer_expires_at <= timezone.now() + dt.timedelta(hours=3)


def test_offer_is_shorter_than_the_claim_window_when_the_event_is_near(db):
    start = timezone.now() + dt.timedelta(hours=8)
    event = EventFactory(capacity=1, claim_window_hours=24, start=start, cancellation_cutoff_hours=0)
    ticket_type = TicketTypeFactory(event=event, quantity=5)
    order = register(ticket_type)
    entry = join_waiting_list(event=event, name="Sam", email="sam@example.com")

    cancel_order(order=order)

    entry.refresh_from_db()
    assert entry.offer_expires_at - entry.offered_at <= dt.timedelta(hours=2)  # a quarter of the time left


# Waiting list on or off


def test_join_waiting_list_refused_when_the_event_has_none(db):
    ticket_type = TicketTypeFactory(event=EventFactory(capacity=1, waiting_list_enabled=False), quantity=5)
    register(ticket_type)

    with pytest.raises(RegistrationError) as exc:
        join_waiting_list(event=ticket_type.event, name="Sam", email="sam@example.com")

    assert (exc.value.code, exc.value.message) == ("waiting_list_disabled", "This event has no waiting list.")
    assert WaitingListEntry.objects.count() == 0


# Tickets per order


def test_place_order_obeys_the_events_ticket_limit(db):
    ticket_type = TicketTypeFactory(event=EventFactory(capacity=20, max_tickets_per_order=3), quantity=20)

    with pytest.raises(RegistrationError) as exc:
        register(ticket_type, quantity=4)

    assert (exc.value.code, exc.value.message) == (
        "quantity_out_of_range",
        "Choose between 0 and 3 tickets of each type.",
    )
    assert Order.objects.count() == 0
    assert register(ticket_type, quantity=3).tickets.count() == 3


def test_place_order_allows_more_than_ten_when_the_event_does(db):
    ticket_type = TicketTypeFactory(event=EventFactory(capacity=50, max_tickets_per_order=25), quantity=50)

    order = register(ticket_type, quantity=25)

    assert order.tickets.count() == 25


def test_join_waiting_list_obeys_the_events_ticket_limit(db):
    ticket_type = TicketTypeFactory(event=EventFactory(capacity=1, max_tickets_per_order=2), quantity=5)
    register(ticket_type)

    with pytest.raises(RegistrationError) as exc:
        join_waiting_list(event=ticket_type.event, name="Sam", email="sam@example.com", quantity=3)

    assert (exc.value.code, exc.value.message) == ("quantity_out_of_range", "Ask for between 1 and 2 places.")


# Cancellation cut-off


def near_event(*, starts_in: dt.timedelta, cutoff: int, **kwargs):
    start = timezone.now() + starts_in
    return EventFactory(capacity=10, start=start, cancellation_cutoff_hours=cutoff, **kwargs)


def test_cancel_order_before_the_cutoff_cancels(db):
    ticket_type = TicketTypeFactory(event=near_event(starts_in=dt.timedelta(hours=30), cutoff=24), quantity=10)
    order = register(ticket_type)

    cancel_order(order=order)

    assert Order.objects.get(pk=order.pk).status == Order.Status.CANCELLED
    assert counters(ticket_type.event) == (0, {ticket_type.pk: 0})


def test_cancel_order_after_the_cutoff_is_refused_and_changes_nothing(db):
    ticket_type = TicketTypeFactory(event=near_event(starts_in=dt.timedelta(hours=20), cutoff=24), quantity=10)
    order = register(ticket_type)

    with pytest.raises(RegistrationError) as exc:
        cancel_order(order=order)

    assert (exc.value.code, exc.value.message) == (
        "cancellation_closed",
        "Registrations can be cancelled until 24 hours before the event starts. "
        "Please contact the organisers if you cannot come.",
    )
    assert Order.objects.get(pk=order.pk).status == Order.Status.CONFIRMED
    assert set(Ticket.objects.values_list("status", flat=True)) == {Ticket.Status.VALID}
    assert counters(ticket_type.event) == (1, {ticket_type.pk: 1})


def test_cancel_order_with_no_cutoff_is_allowed_until_the_start(db):
    ticket_type = TicketTypeFactory(event=near_event(starts_in=dt.timedelta(minutes=10), cutoff=0), quantity=10)
    order = register(ticket_type)

    cancel_order(order=order)

    assert Order.objects.get(pk=order.pk).status == Order.Status.CANCELLED


def test_cancel_order_once_the_event_started_is_refused(db):
    event = near_event(starts_in=-dt.timedelta(minutes=10), cutoff=0)
    ticket_type = TicketTypeFactory(event=event, quantity=10)
    order = register(ticket_type)

    with pytest.raises(RegistrationError) as exc:
        cancel_order(order=order)

    assert (exc.value.code, exc.value.message) == (
        "cancellation_closed",
        "The event has started: the registration can no longer be cancelled.",
    )
    assert Order.objects.get(pk=order.pk).status == Order.Status.CONFIRMED


def test_cancel_order_unpaid_after_the_cutoff_is_allowed(db, fake_stripe):
    event = near_event(starts_in=dt.timedelta(hours=2), cutoff=24)
    ticket_type = TicketTypeFactory(event=event, quantity=10, price=Decimal("10"))
    order = register(ticket_type)

    cancel_order(order=order)

    assert Order.objects.get(pk=order.pk).status == Order.Status.CANCELLED
    assert counters(event) == (0, {ticket_type.pk: 0})


# Refund policy


def paid_confirmed(ticket_type, fake_stripe, webhook):
    order = register(ticket_type)
    fake_stripe.pay(order.stripe_checkout_session_id)
    assert webhook(COMPLETED, order.stripe_checkout_session_id).content == b"confirmed"
    order.refresh_from_db()
    return order


def test_cancel_order_paid_before_the_cutoff_is_refunded(db, fake_stripe, webhook, django_capture_on_commit_callbacks):
    ticket_type = TicketTypeFactory(event=EventFactory(capacity=10), quantity=10, price=Decimal("15.00"))
    order = paid_confirmed(ticket_type, fake_stripe, webhook)

    with django_capture_on_commit_callbacks(execute=True):
        cancelled = cancel_order(order=order)

    order.refresh_from_db()
    assert cancelled.status == order.status == Order.Status.REFUNDED
    assert [(r["id"], r["amount"]) for r in fake_stripe.refunds_for(order.stripe_payment_intent_id)] == [
        (order.stripe_refund_id, 1500)
    ]
    assert set(order.tickets.values_list("status", flat=True)) == {Ticket.Status.REFUNDED}
    assert counters(ticket_type.event) == (0, {ticket_type.pk: 0})
    assert_counters_match(ticket_type.event)


def test_cancel_order_paid_without_refund_policy_is_cancelled_without_refund(
    db, fake_stripe, webhook, django_capture_on_commit_callbacks
):
    event = EventFactory(capacity=10, refund_policy=Event.RefundPolicy.NONE)
    ticket_type = TicketTypeFactory(event=event, quantity=10, price=Decimal("15.00"))
    order = paid_confirmed(ticket_type, fake_stripe, webhook)

    with django_capture_on_commit_callbacks(execute=True):
        cancel_order(order=order)

    order.refresh_from_db()
    assert (order.status, order.stripe_refund_id) == (Order.Status.CANCELLED, "")
    assert fake_stripe.refunds == {}
    assert counters(event) == (0, {ticket_type.pk: 0})


def test_cancel_order_paid_after_the_cutoff_is_refused_without_refund(db, fake_stripe, webhook):
    event = near_event(starts_in=dt.timedelta(hours=30), cutoff=24)
    ticket_type = TicketTypeFactory(event=event, quantity=10, price=Decimal("15.00"))
    order = paid_confirmed(ticket_type, fake_stripe, webhook)
    Event.objects.filter(pk=event.pk).update(cancellation_cutoff_hours=48)

    with pytest.raises(RegistrationError) as exc:
        cancel_order(order=order)

    assert exc.value.code == "cancellation_closed"
    assert Order.objects.get(pk=order.pk).status == Order.Status.CONFIRMED
    assert fake_stripe.refunds == {}
