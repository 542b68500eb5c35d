"""The organiser's registrations page and its actions: content, filters, permissions, bad input, query counts."""

import datetime as dt
import html
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from attendees.models import Answer, Order, OutgoingEmail, Question, Ticket, WaitingListEntry
from attendees.services import join_waiting_list, place_order
from attendees.services.approval import approve_order, cancel_registration
from events.models import Event, Membership
from tests.attendees.helpers import assert_counters_match, counters
from tests.factories import CommunityFactory, EventFactory, MembershipFactory, TicketTypeFactory

pytestmark = pytest.mark.django_db

COMPLETED = "checkout.session.completed"


def text(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())))


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def register(ticket_type, *, email, name="Ada Lovelace", quantity=1):
    return place_order(
        event=ticket_type.event,
        quantities={ticket_type.pk: quantity},
        holders=[(f"{name} {i}" if i else name, f"{i}.{email}" if i else email) for i in range(quantity)],
        buyer_name=name,
        buyer_email=email,
    )


def fresh(order) -> Order:
    return Order.objects.get(pk=order.pk)


@pytest.fixture
def event(community):
    return EventFactory(community=community, capacity=5, approval_required=True, title="Rust & Pizza")


@pytest.fixture
def ticket_type(event):
    return TicketTypeFactory(event=event, name="Standard", quantity=10)


def url(name, event, order=None, **query):
    kwargs = {"community": event.community.slug, "event": event.slug}
    if order is not None:
        kwargs["order"] = order if isinstance(order, int) else order.pk
    address = reverse(f"attendees_manage:{name}", kwargs=kwargs)
    return address + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


# Who may see the page


def test_registrations_page_asks_anonymous_visitors_to_log_in(client, event):
    response = client.get(url("registrations", event))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_registrations_page_is_forbidden_to_volunteers(client, volunteer, event, ticket_type):
    register(ticket_type, email="ada@example.com")
    client.force_login(volunteer)

    response = client.get(url("registrations", event))

    assert response.status_code == 403
    assert "ada@example.com" not in response.content.decode()


def test_registrations_page_is_forbidden_to_organisers_of_another_community(client, event):
    stranger = MembershipFactory(community=CommunityFactory()).user
    client.force_login(stranger)

    response = client.get(url("registrations", event))

    assert response.status_code == 403


def test_registrations_page_of_an_unknown_event_is_not_found(organiser_client, community):
    response = organiser_client.get(
        reverse("attendees_manage:registrations", kwargs={"community": community.slug, "event": "nope"})
    )

    assert response.status_code == 404


def test_event_overview_links_to_the_registrations(organiser_client, event):
    response = organiser_client.get(reverse("manage:event", args=[event.community.slug, event.slug]))

    assert f'href="{url("registrations", event)}"' in response.content.decode()


# What the page shows


def test_registrations_page_lists_orders_tickets_answers_and_counts(organiser_client, event, ticket_type):
    question = Question.objects.create(event=event, label="Dietary needs", kind="short_text", per_ticket=True)
    coc = Question.objects.create(event=event, label="Code of conduct", kind="required_checkbox", position=1)
    pending = register(ticket_type, email="ada@example.com", quantity=2)
    Answer.objects.create(order=pending, ticket=pending.tickets.first(), question=question, value="Vegan")
    Answer.objects.create(order=pending, question=coc, value="yes")
    confirmed = register(ticket_type, email="grace@example.com", name="Grace Hopper")
    approve_order(order=confirmed, by=None)
    cancelled = register(ticket_type, email="linus@example.com", name="Linus T")
    cancel_registration(order=cancelled, by=None)

    response = organiser_client.get(url("registrations", event))

    page = text(response)
    assert [o.pk for o in response.context["page"].object_list] == [cancelled.pk, confirmed.pk, pending.pk]
    assert "Ada Lovelace ada@example.com Pending approval" in page
    assert "Ada Lovelace 1 1.ada@example.com Standard" in page
    assert "Dietary needs Vegan" in page
    assert "Code of conduct Yes" in page
    assert "Grace Hopper grace@example.com Confirmed" in page
    assert "Linus T linus@example.com Cancelled" in page
    summary = response.context["summary"]
    assert (summary.confirmed_tickets, summary.pending, summary.waiting, summary.cancelled) == (1, 1, 0, 1)
    assert summary.places_left == 2  # of 5: two held by the pending order, one confirmed
    assert "1 registration waits for your approval." in page


def test_registrations_page_shows_the_waiting_list_in_line_order(organiser_client, community):
    event = EventFactory(community=community, capacity=1)
    ticket_type = TicketTypeFactory(event=event, quantity=5)
    register(ticket_type, email="ada@example.com")
    first = join_waiting_list(event=event, name="Sam First", email="sam@example.com", quantity=2)
    join_waiting_list(event=event, name="Kim Second", email="kim@example.com")
    WaitingListEntry.objects.filter(pk=first.pk).update(status=WaitingListEntry.Status.LEFT)
    join_waiting_list(event=event, name="Lou Third", email="lou@example.com")

    response = organiser_client.get(url("registrations", event, status="waiting"))

    assert response.context["page"] is None
    assert [(e.name, e.position, e.status) for e in response.context["waiting_list"]] == [
        ("Sam First", None, "left"),
        ("Kim Second", 1, "waiting"),
        ("Lou Third", 2, "waiting"),
    ]
    page = text(response)
    assert "Kim Second kim@example.com 1 1 Waiting" in page
    assert "Sam First sam@example.com — 2 Left the list" in page
    assert "ada@example.com" not in page


def test_registrations_page_shows_an_offer_deadline(organiser_client, community):
    event = EventFactory(community=community, capacity=1, time_zone="Europe/Paris")
    ticket_type = TicketTypeFactory(event=event, quantity=5)
    register(ticket_type, email="ada@example.com")
    entry = join_waiting_list(event=event, name="Sam", email="sam@example.com")
    deadline = dt.datetime(2031, 1, 2, 17, 30, tzinfo=dt.UTC)
    WaitingListEntry.objects.filter(pk=entry.pk).update(status="offered", offer_expires_at=deadline)

    response = organiser_client.get(url("registrations", event, status="waiting"))

    assert '<time datetime="2031-01-02T18:30:00+01:00">' in response.content.decode()


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("pending_approval", ["ada@example.com"]),
        ("confirmed", ["grace@example.com"]),
        ("cancelled", ["alan@example.com", "linus@example.com"]),
        ("pending_payment", []),
        ("", ["alan@example.com", "linus@example.com", "grace@example.com", "ada@example.com"]),
        ("not-a-status", ["alan@example.com", "linus@example.com", "grace@example.com", "ada@example.com"]),
    ],
)
def test_registrations_page_filters_by_status(organiser_client, event, ticket_type, status, expected):
    register(ticket_type, email="ada@example.com")
    for email, new_status in [("grace@example.com", "confirmed"), ("linus@example.com", "cancelled")]:
        Order.objects.filter(pk=register(ticket_type, email=email).pk).update(status=new_status)
    Order.objects.filter(pk=register(ticket_type, email="alan@example.com").pk).update(status="declined")

    response = organiser_client.get(url("registrations", event, status=status))

    assert [o.buyer_email for o in response.context["page"].object_list] == expected
    assert response.context["status_filter"] == ("" if status == "not-a-status" else status)


def test_registrations_pages_keep_the_status_filter_in_their_links(organiser_client, event, ticket_type, monkeypatch):
    from attendees import views_manage

    monkeypatch.setattr(views_manage, "ORDERS_PER_PAGE", 2)
    for n in range(5):
        Order.objects.filter(pk=register(ticket_type, email=f"p{n}@example.com").pk).update(status="confirmed")

    html = organiser_client.get(url("registrations", event, status="confirmed", page=2)).content.decode()
    unfiltered = organiser_client.get(url("registrations", event, page=2)).content.decode()

    assert 'href="?status=confirmed&amp;page=1"' in html
    assert 'href="?status=confirmed&amp;page=3"' in html
    assert 'href="?page=3"' in unfiltered
    assert "Page 2 of 3" in html


def test_registrations_page_with_a_bad_page_number_shows_a_page(organiser_client, event, ticket_type):
    register(ticket_type, email="ada@example.com")

    response = organiser_client.get(url("registrations", event, page="9999x"))

    assert [o.buyer_email for o in response.context["page"].object_list] == ["ada@example.com"]


def test_registrations_page_empty(organiser_client, event):
    response = organiser_client.get(url("registrations", event))

    assert "Nobody has registered yet." in text(response)
    assert "Nobody is on the waiting list." in text(response)


@pytest.mark.parametrize("rows", [1, 3])
def test_registrations_page_costs_a_fixed_number_of_queries(
    client, organiser, event, ticket_type, rows, django_assert_num_queries
):
    question = Question.objects.create(event=event, label="Company", per_ticket=True)
    Event.objects.filter(pk=event.pk).update(capacity=50)
    for i in range(rows):
        order = register(ticket_type, email=f"fan{i}@example.com", quantity=2)
        for ticket in order.tickets.all():
            Answer.objects.create(order=order, ticket=ticket, question=question, value="ACME")
        WaitingListEntry.objects.create(event=event, name=f"Waiting {i}", email=f"w{i}@example.com")
    client.force_login(organiser)

    # session, user, the event with its community and the organiser's role; order counts, waiting count; page
    # count, orders, their tickets, their answers; the waiting list
    with django_assert_num_queries(10):
        response = client.get(url("registrations", event))

    assert len(response.context["page"].object_list) == rows
    assert len(response.context["waiting_list"]) == rows


# Approving and declining


def test_order_approve_asks_first_then_confirms(organiser_client, event, ticket_type):
    order = register(ticket_type, email="ada@example.com")

    page = organiser_client.get(url("order_approve", event, order))

    assert "Approve the registration of Ada Lovelace?" in text(page)
    assert fresh(order).status == Order.Status.PENDING_APPROVAL

    response = organiser_client.post(url("order_approve", event, order), follow=True)

    assert fresh(order).status == Order.Status.CONFIRMED
    assert response.redirect_chain == [(url("registrations", event) + f"#order-{order.pk}", 302)]
    assert messages_of(response) == ["The registration of Ada Lovelace is approved."]
    assert list(OutgoingEmail.objects.filter(order=order).values_list("kind", flat=True)) == [
        "pending_approval",
        "confirmation",
    ]


def test_order_approve_twice_says_so_and_changes_nothing(organiser_client, event, ticket_type):
    order = register(ticket_type, email="ada@example.com")
    organiser_client.post(url("order_approve", event, order), follow=True)

    posted = organiser_client.post(url("order_approve", event, order), follow=True)
    asked = organiser_client.get(url("order_approve", event, order), follow=True)

    assert messages_of(posted) == [
        "This registration is not waiting for approval any more (it is now “Confirmed”): nothing was changed."
    ]
    assert messages_of(asked) == ["This registration is not waiting for approval."]
    assert fresh(order).status == Order.Status.CONFIRMED
    assert OutgoingEmail.objects.filter(order=order, kind="confirmation").count() == 1


def test_order_approve_paid_opens_checkout(organiser_client, community, fake_stripe):
    event = EventFactory(community=community, capacity=5, approval_required=True)
    ticket_type = TicketTypeFactory(event=event, quantity=5, price=Decimal("8"))
    order = register(ticket_type, email="ada@example.com")

    organiser_client.post(url("order_approve", event, order))

    order = fresh(order)
    assert order.status == Order.Status.PENDING_PAYMENT
    assert order.stripe_checkout_url == fake_stripe.sessions[order.stripe_checkout_session_id]["url"]


def test_order_decline_with_a_message(organiser_client, event, ticket_type):
    order = register(ticket_type, email="ada@example.com")

    page = organiser_client.get(url("order_decline", event, order))
    response = organiser_client.post(
        url("order_decline", event, order), {"message": "Members only, sorry."}, follow=True
    )

    assert "Message to the person" in text(page)
    assert fresh(order).status == Order.Status.DECLINED
    assert messages_of(response) == ["The registration of Ada Lovelace is declined."]
    assert OutgoingEmail.objects.get(order=order, kind="declined").note == "Members only, sorry."
    assert counters(event) == (0, {ticket_type.pk: 0})


def test_order_decline_with_a_message_too_long_changes_nothing(organiser_client, event, ticket_type):
    order = register(ticket_type, email="ada@example.com")

    response = organiser_client.post(url("order_decline", event, order), {"message": "x" * 1001})

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "message": ["Ensure this value has at most 1000 characters (it has 1001)."]
    }
    assert fresh(order).status == Order.Status.PENDING_APPROVAL


def test_order_decline_of_a_confirmed_order_is_refused(organiser_client, community):
    event = EventFactory(community=community, capacity=5)
    order = register(TicketTypeFactory(event=event, quantity=5), email="ada@example.com")

    response = organiser_client.post(url("order_decline", event, order), {"message": ""}, follow=True)

    assert messages_of(response) == [
        "This registration is not waiting for approval any more (it is now “Confirmed”): nothing was changed."
    ]
    assert fresh(order).status == Order.Status.CONFIRMED


# Cancelling and refunding


def test_order_cancel_after_the_fans_cutoff(organiser_client, community):
    start = timezone.now() + dt.timedelta(hours=3)
    event = EventFactory(community=community, capacity=5, start=start, cancellation_cutoff_hours=24)
    ticket_type = TicketTypeFactory(event=event, quantity=5)
    order = register(ticket_type, email="ada@example.com")

    response = organiser_client.post(url("order_cancel", event, order), follow=True)

    assert fresh(order).status == Order.Status.CANCELLED
    assert messages_of(response) == ["The registration of Ada Lovelace is cancelled."]
    assert set(Ticket.objects.values_list("status", flat=True)) == {Ticket.Status.CANCELLED}
    assert_counters_match(event)


def test_order_refund_refunds_a_paid_order(
    organiser_client, community, fake_stripe, webhook, django_capture_on_commit_callbacks
):
    event = EventFactory(community=community, capacity=5)
    ticket_type = TicketTypeFactory(event=event, quantity=5, price=Decimal("8"))
    order = register(ticket_type, email="ada@example.com")
    fake_stripe.pay(order.stripe_checkout_session_id)
    webhook(COMPLETED, order.stripe_checkout_session_id)
    listing = organiser_client.get(url("registrations", event))

    with django_capture_on_commit_callbacks(execute=True):
        response = organiser_client.post(url("order_refund", event, order), follow=True)

    assert "Cancel and refund" in text(listing)
    order = fresh(order)
    assert order.status == Order.Status.REFUNDED
    assert [r["amount"] for r in fake_stripe.refunds_for(order.stripe_payment_intent_id)] == [800]
    assert messages_of(response) == ["The registration of Ada Lovelace is cancelled and refunded."]


def test_order_refund_of_a_free_order_is_refused(organiser_client, community):
    event = EventFactory(community=community, capacity=5)
    order = register(TicketTypeFactory(event=event, quantity=5), email="ada@example.com")

    asked = organiser_client.get(url("order_refund", event, order), follow=True)
    posted = organiser_client.post(url("order_refund", event, order), follow=True)

    assert messages_of(asked) == ["Only a paid, confirmed registration can be refunded."]
    assert messages_of(posted) == ["Only a paid, confirmed registration can be refunded."]
    assert fresh(order).status == Order.Status.CONFIRMED


# Bad addresses and tampered requests


@pytest.mark.parametrize("action", ["order_approve", "order_decline", "order_cancel", "order_refund", "order_resend"])
def test_order_actions_on_another_events_order_are_not_found(organiser_client, community, event, ticket_type, action):
    other_event = EventFactory(community=community, capacity=5, approval_required=True)
    other = register(TicketTypeFactory(event=other_event, quantity=5), email="ada@example.com")
    foreign_event = EventFactory(capacity=5, approval_required=True)
    foreign = register(TicketTypeFactory(event=foreign_event, quantity=5), email="bob@example.com")

    responses = [
        organiser_client.post(url(action, event, other)),
        organiser_client.post(url(action, event, foreign)),
        organiser_client.post(url(action, event, 999999)),
        organiser_client.post(url(action, event, 10**30)),
        organiser_client.get(url(action, event, 10**30)),
    ]

    assert [r.status_code for r in responses] == [404, 404, 404, 404, 404]
    assert set(Order.objects.values_list("status", flat=True)) == {Order.Status.PENDING_APPROVAL}


def test_order_actions_are_forbidden_to_volunteers(client, volunteer, event, ticket_type):
    order = register(ticket_type, email="ada@example.com")
    client.force_login(volunteer)

    response = client.post(url("order_approve", event, order))

    assert response.status_code == 403
    assert fresh(order).status == Order.Status.PENDING_APPROVAL


def test_order_actions_refuse_other_methods(organiser_client, event, ticket_type):
    order = register(ticket_type, email="ada@example.com")

    response = organiser_client.put(url("order_approve", event, order))

    assert response.status_code == 405
    assert fresh(order).status == Order.Status.PENDING_APPROVAL


# Adding a registration by hand


def test_registration_add_creates_a_free_confirmed_ticket(organiser_client, community):
    event = EventFactory(community=community, capacity=5)
    paid = TicketTypeFactory(event=event, name="Supporter", quantity=5, price=Decimal("30"))

    page = organiser_client.get(url("registration_add", event))
    response = organiser_client.post(
        url("registration_add", event),
        {"name": "Grace Hopper", "email": "grace@example.com", "ticket_type": str(paid.pk)},
        follow=True,
    )

    assert "Add a registration" in text(page)
    order = Order.objects.get()
    assert (order.buyer_name, order.status, order.total) == ("Grace Hopper", "confirmed", Decimal("0.00"))
    assert list(order.tickets.values_list("ticket_type", "price")) == [(paid.pk, Decimal("0.00"))]
    assert messages_of(response) == ["Grace Hopper is registered; the ticket is on its way to grace@example.com."]
    assert response.redirect_chain == [(url("registrations", event) + f"#order-{order.pk}", 302)]


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({"ticket_type": "other"}, {"ticket_type": ["Choose one of this event's ticket types."]}),
        ({"ticket_type": "abc"}, {"ticket_type": ["Choose one of this event's ticket types."]}),
        ({"email": "nope"}, {"email": ["Enter a valid email address."]}),
        ({"name": ""}, {"name": ["This field is required."]}),
        ({"email": "ada@example.com"}, {"email": ["This e-mail address is already registered for this event."]}),
    ],
)
def test_registration_add_bad_input_changes_nothing(organiser_client, event, ticket_type, data, errors):
    register(ticket_type, email="ada@example.com")
    other = TicketTypeFactory(event=EventFactory(community=event.community), quantity=5)
    posted = {"name": "Guest", "email": "guest@example.com", "ticket_type": str(ticket_type.pk), **data}
    if posted["ticket_type"] == "other":
        posted["ticket_type"] = str(other.pk)

    response = organiser_client.post(url("registration_add", event), posted)

    assert response.status_code == 200
    assert response.context["form"].errors == errors
    assert Order.objects.count() == 1


def test_registration_add_when_full_says_so(organiser_client, community):
    event = EventFactory(community=community, capacity=1)
    ticket_type = TicketTypeFactory(event=event, quantity=5)
    register(ticket_type, email="ada@example.com")

    response = organiser_client.post(
        url("registration_add", event), {"name": "Guest", "email": "g@example.com", "ticket_type": ticket_type.pk}
    )

    assert response.context["form"].non_field_errors() == ["This event is sold out."]
    assert Order.objects.count() == 1


def test_registration_add_is_forbidden_to_volunteers(client, volunteer, event, ticket_type):
    client.force_login(volunteer)

    response = client.post(
        url("registration_add", event), {"name": "Guest", "email": "g@example.com", "ticket_type": ticket_type.pk}
    )

    assert response.status_code == 403
    assert Order.objects.count() == 0


def test_registration_add_without_ticket_types_explains(organiser_client, event):
    response = organiser_client.get(url("registration_add", event))

    assert "This event has no ticket type yet" in text(response)


def test_membership_role_check_uses_the_current_role(client, community, event, ticket_type):
    """An organiser turned volunteer loses the page at once."""
    membership = MembershipFactory(community=community)
    client.force_login(membership.user)
    assert client.get(url("registrations", event)).status_code == 200

    Membership.objects.filter(pk=membership.pk).update(role=Membership.Role.VOLUNTEER)

    assert client.get(url("registrations", event)).status_code == 403


# Resending the tickets


def test_order_resend_sends_the_tickets_again(organiser_client, community, django_capture_on_commit_callbacks):
    from django.core import mail

    event = EventFactory(community=community, capacity=5)
    with django_capture_on_commit_callbacks(execute=True):
        order = register(TicketTypeFactory(event=event, quantity=5), email="ada@example.com")
    listing = organiser_client.get(url("registrations", event))
    page = organiser_client.get(url("order_resend", event, order))

    with django_capture_on_commit_callbacks(execute=True):
        response = organiser_client.post(url("order_resend", event, order), follow=True)

    assert "Resend the tickets (Ada Lovelace)" in text(listing)
    assert "The same tickets (their QR codes do not change) go again to ada@example.com." in text(page)
    assert messages_of(response) == ["The tickets of Ada Lovelace are on their way again."]
    assert [m.to for m in mail.outbox] == [["ada@example.com"], ["ada@example.com"]]


def test_order_resend_of_a_pending_order_is_refused(organiser_client, event, ticket_type):
    order = register(ticket_type, email="ada@example.com")

    asked = organiser_client.get(url("order_resend", event, order), follow=True)
    posted = organiser_client.post(url("order_resend", event, order), follow=True)

    assert messages_of(asked) == ["Only a confirmed registration has tickets to send."]
    assert messages_of(posted) == ["Only a confirmed registration has tickets to send."]
    assert OutgoingEmail.objects.filter(order=order, kind="confirmation").count() == 0
