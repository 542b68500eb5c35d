"""Bulk actions of the attendee list: the confirmation's figures, then what each action did, exactly."""

import html
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from attendees.models import Fan, Order, OutgoingEmail, Tag, Ticket
from attendees.services import bulk, place_order
from tests.attendees.factories import WaitingListEntryFactory
from tests.attendees.helpers import assert_counters_match
from tests.factories import EventFactory, TicketTypeFactory

pytestmark = pytest.mark.django_db

COMPLETED = "checkout.session.completed"


def url(event, name="bulk"):
    return reverse(f"attendees_list:{name}", kwargs={"community": event.community.slug, "event": event.slug})


def text(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())))


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def register(ticket_type, *, name, email, quantity=1):
    holders = [(name, email)] + [(f"{name} guest {i}", f"guest{i}.{email}") for i in range(1, quantity)]
    return place_order(
        event=ticket_type.event,
        quantities={ticket_type.pk: quantity},
        holders=holders,
        buyer_name=name,
        buyer_email=email,
    )


def status(order) -> str:
    return Order.objects.values_list("status", flat=True).get(pk=order.pk)


def key(order) -> str:
    return f"t{order.tickets.order_by('pk').first().pk}"


def confirm_then_run(client, event, data):
    """POST once (the confirmation), then POST the confirmation's own form, as the organiser's browser would."""
    first = client.post(url(event), data)
    assert first.status_code == 200, first.content[:500]
    form = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', first.content.decode()))
    rows = re.findall(r'<input type="hidden" name="rows" value="([^"]*)"', first.content.decode())
    form.pop("csrfmiddlewaretoken", None)
    form["rows"] = rows
    form = {name: html.unescape(value) if isinstance(value, str) else value for name, value in form.items()}
    second = client.post(url(event), form, follow=True)
    return first, second


@pytest.fixture
def approval_event(community):
    return EventFactory(community=community, capacity=10, approval_required=True)


@pytest.fixture
def free_type(approval_event):
    return TicketTypeFactory(event=approval_event, name="Free", quantity=10)


def test_approve_the_rows_ticked(organiser_client, approval_event, free_type):
    ada = register(free_type, name="Ada", email="ada@example.com")
    bob = register(free_type, name="Bob", email="bob@example.com")
    cid = register(free_type, name="Cid", email="cid@example.com")

    first, second = confirm_then_run(
        organiser_client, approval_event, {"action": "approve", "scope": "selected", "rows": [key(ada), key(bob)]}
    )

    assert "Approve: 2 to change" in text(first)
    assert "2 registrations waiting for approval will be approved; each fan is told by e-mail." in text(first)
    assert messages_of(second) == ["2 registrations approved."]
    assert (status(ada), status(bob), status(cid)) == ("confirmed", "confirmed", "pending_approval")
    assert OutgoingEmail.objects.filter(order=ada, kind="confirmation").count() == 1
    assert second.redirect_chain[-1][0] == url(approval_event, "attendees")
    assert_counters_match(approval_event)


def test_decline_every_row_matching_the_filters(organiser_client, approval_event, free_type):
    ada = register(free_type, name="Ada", email="ada@example.com")
    bob = register(free_type, name="Bob", email="bob@example.com")

    first, second = confirm_then_run(
        organiser_client,
        approval_event,
        {"action": "decline", "scope": "all", "query": "status=pending_approval&q=ada"},
    )

    assert "1 registration waiting for approval will be declined and its places freed." in text(first)
    assert "The list changed" not in text(first)
    assert messages_of(second) == ["1 registration declined."]
    assert (status(ada), status(bob)) == ("declined", "pending_approval")
    assert second.redirect_chain[-1][0] == url(approval_event, "attendees") + "?status=pending_approval&q=ada"
    assert_counters_match(approval_event)


def test_cancel_refunds_the_paid_registrations_and_cancels_the_free_ones(
    organiser_client, community, fake_stripe, webhook, django_capture_on_commit_callbacks
):
    event = EventFactory(community=community, capacity=10)
    free = TicketTypeFactory(event=event, name="Free", quantity=5)
    paid = TicketTypeFactory(event=event, name="Paid", quantity=5, price=Decimal("15"))
    gift = register(free, name="Gil", email="gil@example.com")
    bought = register(paid, name="Pat", email="pat@example.com")
    fake_stripe.pay(bought.stripe_checkout_session_id)
    assert webhook(COMPLETED, bought.stripe_checkout_session_id).content == b"confirmed"

    first = organiser_client.post(url(event), {"action": "cancel", "scope": "all", "query": "status=confirmed"})
    assert "2 registrations will be cancelled" in text(first)
    assert "1 of them was paid for: it is refunded in full through Stripe." in text(first)
    with django_capture_on_commit_callbacks(execute=True):
        second = organiser_client.post(
            url(event),
            {"action": "cancel", "scope": "all", "query": "status=confirmed", "expected": "2", "confirmed": "1"},
            follow=True,
        )

    assert messages_of(second) == ["2 registrations cancelled. 1 of them is refunded."]
    assert (status(gift), status(bought)) == ("cancelled", "refunded")
    bought = Order.objects.get(pk=bought.pk)
    assert [r["amount"] for r in fake_stripe.refunds_for(bought.stripe_payment_intent_id)] == [1500]
    assert_counters_match(event)


def test_cancel_acts_on_the_whole_registration_and_says_so(organiser_client, community):
    event = EventFactory(community=community, capacity=10)
    ticket_type = TicketTypeFactory(event=event, quantity=10)
    group = register(ticket_type, name="Gus", email="gus@example.com", quantity=3)

    first, second = confirm_then_run(organiser_client, event, {"action": "cancel", "scope": "selected",
                                                               "rows": [key(group)]})  # fmt: skip

    assert "A registration acts with all its tickets: 3 tickets in all, some of them not in your choice." in text(first)
    assert messages_of(second) == ["1 registration cancelled."]
    assert set(Ticket.objects.filter(order=group).values_list("status", flat=True)) == {"cancelled"}


def test_resend_sends_the_tickets_of_confirmed_registrations_only(organiser_client, community):
    event = EventFactory(community=community, capacity=10)
    ticket_type = TicketTypeFactory(event=event, quantity=10)
    ada = register(ticket_type, name="Ada", email="ada@example.com")
    bob = register(ticket_type, name="Bob", email="bob@example.com")
    Order.objects.filter(pk=bob.pk).update(status=Order.Status.CANCELLED)
    WaitingListEntryFactory(event=event, name="Wes", email="wes@example.com")

    first, second = confirm_then_run(organiser_client, event, {"action": "resend", "scope": "all", "query": ""})

    assert "1 other registration is left as it is: the action does not apply to its status." in text(first)
    assert "1 person on the waiting list is left as they are." in text(first)
    assert messages_of(second) == ["Tickets sent again for 1 registration."]
    resent = OutgoingEmail.objects.filter(key__contains=":resend:")
    assert list(resent.values_list("order_id", flat=True)) == [ada.pk]


def test_tag_everyone_not_checked_in_links_them_to_fans(organiser_client, community):
    event = EventFactory(community=community, capacity=10)
    ticket_type = TicketTypeFactory(event=event, quantity=10)
    ada = register(ticket_type, name="Ada", email="ada@example.com")
    bob = register(ticket_type, name="Bob", email="Bob@Example.com")
    Ticket.objects.filter(order=ada).update(checked_in_at=event.start)
    entry = WaitingListEntryFactory(event=event, name="Wes", email="wes@example.com")

    first, second = confirm_then_run(
        organiser_client, event, {"action": "tag", "scope": "all", "query": "checked_in=no", "tag": "  to  call "}
    )

    assert "The tag “to call” will be put on 1 person." in text(first)
    assert messages_of(second) == ["Tag “to call” put on 1 person."]
    tag = Tag.objects.get(community=community)
    assert tag.name == "to call"
    assert list(Fan.objects.filter(tags=tag).values_list("email", flat=True)) == ["bob@example.com"]
    assert Ticket.objects.get(order=bob).fan.email == "bob@example.com"
    # Everyone, the waiting list too; Bob had it already.
    _first, again = confirm_then_run(organiser_client, event, {"action": "tag", "scope": "all", "query": "",
                                                               "tag": "To call"})  # fmt: skip
    assert messages_of(again) == ["Tag “to call” put on 2 people. 1 already had it."]
    assert sorted(Fan.objects.filter(tags=tag).values_list("email", flat=True)) == [
        "ada@example.com",
        "bob@example.com",
        entry.email,
    ]


def test_a_list_that_changed_is_confirmed_again_and_nothing_is_done(organiser_client, approval_event, free_type):
    ada = register(free_type, name="Ada", email="ada@example.com")
    register(free_type, name="Bob", email="bob@example.com")

    response = organiser_client.post(
        url(approval_event),
        {"action": "approve", "scope": "all", "query": "status=pending_approval", "expected": "1", "confirmed": "1"},
    )

    assert "The list changed since you chose: here are the figures now." in text(response)
    assert "Approve: 2 to change" in text(response)
    assert status(ada) == "pending_approval"


def test_rows_of_another_event_and_odd_keys_are_ignored(organiser_client, approval_event, free_type, community):
    other_event = EventFactory(capacity=5, approval_required=True)
    stranger = register(TicketTypeFactory(event=other_event), name="Sam", email="sam@example.com")

    response = organiser_client.post(
        url(approval_event),
        {"action": "approve", "scope": "selected", "rows": [key(stranger), "x1", "t0", "t99999999999999999999", "w"]},
    )

    assert "Approve: nothing to change" in text(response)
    assert status(stranger) == "pending_approval"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"action": "explode", "scope": "all"}, "Select a valid choice. explode is not one of the available choices."),
        ({"action": "approve", "scope": "selected"}, "Tick at least one row, or choose all rows matching the filters."),
        ({"action": "tag", "scope": "all", "tag": "   "}, "Give the tag a name."),
        (
            {"action": "approve", "scope": "everything"},
            "Select a valid choice. everything is not one of the available choices.",
        ),
        ({"action": "approve", "scope": "all", "expected": "lots"}, "Enter a whole number."),
        (
            {"action": "approve", "scope": "all", "query": "ticket_type=abc&page=x&status=nope", "expected": "1"},
            "Some filters of the list did not fit this event: nothing was changed.",
        ),
    ],
)
def test_bad_bulk_input_is_refused_with_a_message(organiser_client, approval_event, free_type, data, message):
    ada = register(free_type, name="Ada", email="ada@example.com")

    response = organiser_client.post(url(approval_event), {"query": "", **data, "confirmed": "1"}, follow=True)

    assert messages_of(response) == [message]
    assert status(ada) == "pending_approval"


def test_the_whole_list_without_its_count_is_confirmed_first(organiser_client, approval_event, free_type):
    ada = register(free_type, name="Ada", email="ada@example.com")

    response = organiser_client.post(url(approval_event), {"action": "approve", "scope": "all", "query": "",
                                                           "confirmed": "1"})  # fmt: skip

    assert "Approve: 1 to change" in text(response)
    assert status(ada) == "pending_approval"


def test_too_many_registrations_at_once_are_refused(organiser_client, approval_event, free_type, monkeypatch):
    monkeypatch.setattr(bulk, "MAX_REGISTRATIONS", 1)
    ada = register(free_type, name="Ada", email="ada@example.com")
    register(free_type, name="Bob", email="bob@example.com")

    response = organiser_client.post(
        url(approval_event),
        {"action": "approve", "scope": "all", "query": "", "expected": "2", "confirmed": "1"},
        follow=True,
    )

    assert messages_of(response) == [
        "This would act on 2 registrations; at most 1 at a time. Narrow the list with the filters and try again."
    ]
    assert status(ada) == "pending_approval"


def test_a_registration_decided_meanwhile_is_counted_as_left(organiser_client, approval_event, free_type, monkeypatch):
    ada = register(free_type, name="Ada", email="ada@example.com")
    bob = register(free_type, name="Bob", email="bob@example.com")
    real_act = bulk._act

    def another_tab_cancels_bob_first(action, *, order, by):
        Order.objects.filter(pk=bob.pk).update(status=Order.Status.CANCELLED)
        return real_act(action, order=order, by=by)

    monkeypatch.setattr(bulk, "_act", another_tab_cancels_bob_first)

    response = organiser_client.post(
        url(approval_event),
        {"action": "approve", "scope": "all", "query": "", "expected": "2", "confirmed": "1"},
        follow=True,
    )

    assert messages_of(response) == [
        "1 registration approved.",
        "1 registration was left as it was: This registration is not waiting for approval any more (it is now "
        "“Cancelled”): nothing was changed.",
    ]
    assert status(ada) == "confirmed"
