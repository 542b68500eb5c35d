"""Linking tickets to fans and keeping their counters exact (attendees.services.fans)."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from attendees.models import Fan, Order, Ticket
from attendees.services import RegistrationError, cancel_order, join_waiting_list
from attendees.services.fans import flag_fan, recount_community, sync_orders, unflag_fan
from attendees.signals import attendance_changed
from tests.attendees.factories import OrderFactory, TicketFactory, WaitingListEntryFactory
from tests.factories import EventFactory, UserFactory
from tests.fans.conftest import make_event

COUNTS = ("events_registered", "events_attended", "no_shows")


def counts(fan: Fan) -> tuple:
    fan.refresh_from_db()
    return tuple(getattr(fan, name) for name in COUNTS)


def past_event(community, *, days_ago: int, title="Past meetup"):
    start = timezone.now().replace(microsecond=0) - dt.timedelta(days=days_ago)
    return EventFactory(community=community, title=title, start=start, end=start + dt.timedelta(hours=2))


def past_ticket(event, email, *, name="Ada Lovelace", checked_in=False, status=Order.Status.CONFIRMED, user=None):
    order = OrderFactory(event=event, buyer_email=email, buyer_name=name, status=status, user=user,
                         created_at=event.start - dt.timedelta(days=3))  # fmt: skip
    ticket_status = Ticket.Status.VALID if status in Order.HOLDING else Ticket.Status.CANCELLED
    ticket = TicketFactory(order=order, holder_email=email, holder_name=name, status=ticket_status,
                           checked_in_at=event.start + dt.timedelta(minutes=5) if checked_in else None)  # fmt: skip
    return ticket


def test_placing_an_order_links_buyer_and_holders_to_fans_matched_by_lowercased_email(community, register):
    first, second = make_event(community, title="One"), make_event(community, days=20, title="Two")

    order = register(
        first, "ada@example.com", holders=[("Ada Lovelace", "ada@example.com"), ("Bob", "BOB@example.com")]
    )
    register(second, "Ada@Example.com", "Ada L.")

    fans = {f.email: f for f in Fan.objects.filter(community=community)}
    assert sorted(fans) == ["ada@example.com", "bob@example.com"]
    assert [t.fan.email for t in order.tickets.order_by("pk")] == ["ada@example.com", "bob@example.com"]
    assert counts(fans["ada@example.com"]) == (2, 0, 0)
    assert counts(fans["bob@example.com"]) == (1, 0, 0)
    assert fans["ada@example.com"].name == "Ada L."  # the latest name given
    assert fans["ada@example.com"].search_text == "ada l. ada@example.com"


def test_fans_are_per_community(community, other_community, register):
    register(make_event(community), "ada@example.com")
    register(make_event(other_community), "ada@example.com")

    assert sorted(Fan.objects.values_list("community__slug", "events_registered")) == [
        (community.slug, 1), ("other-crowd", 1)
    ]  # fmt: skip


def test_a_ticket_goes_to_the_fan_of_the_buyers_account_before_the_email(community, register):
    user = UserFactory(email="ada@example.com")
    register(make_event(community, title="One"), "ada@example.com", user=user)

    order = register(make_event(community, days=20, title="Two"), "ada.work@example.com", user=user)

    fan = Fan.objects.get(community=community, user=user)
    assert (fan.email, order.tickets.get().fan_id) == ("ada@example.com", fan.pk)
    assert counts(fan) == (2, 0, 0)
    # The buyer's other address names nobody else: no second person.
    assert list(Fan.objects.filter(community=community).values_list("email", flat=True)) == ["ada@example.com"]


def test_first_and_last_seen_and_consent_follow_the_latest_order(community, register):
    register(make_event(community, title="One"), "ada@example.com", consent=True)
    later = register(make_event(community, days=20, title="Two"), "ada@example.com", consent=False)
    fan = Fan.objects.get()
    first = Order.objects.order_by("pk").first()

    assert (fan.first_seen_at, fan.last_seen_at) == (first.created_at, later.created_at)
    assert (fan.marketing_consent, fan.marketing_consent_at) == (False, None)

    third = register(make_event(community, days=30, title="Three"), "ada@example.com", consent=True)
    fan.refresh_from_db()
    assert (fan.marketing_consent, fan.marketing_consent_at) == (True, third.marketing_consent_at)


def test_cancelling_takes_the_event_off_the_count_and_keeps_the_person(
    community, register, django_capture_on_commit_callbacks
):
    event = make_event(community)
    order = register(event, "ada@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        cancel_order(order=order)

    assert counts(Fan.objects.get()) == (0, 0, 0)


def test_joining_a_waiting_list_makes_a_person_with_no_registration(
    community, register, django_capture_on_commit_callbacks
):
    event = make_event(community, capacity=1)
    register(event, "ada@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        entry = join_waiting_list(event=event, name="Sam Durand", email="Sam@example.com")

    sam = Fan.objects.get(email="sam@example.com")
    assert (sam.name, counts(sam), sam.first_seen_at, sam.last_seen_at) == (
        "Sam Durand", (0, 0, 0), entry.created_at, entry.created_at
    )  # fmt: skip


def test_attendance_changed_recounts_the_ticket_fans(community, register):
    order = register(make_event(community), "ada@example.com")
    ticket = order.tickets.get()
    at = timezone.now().replace(microsecond=0) + dt.timedelta(minutes=1)

    Ticket.objects.filter(pk=ticket.pk).update(checked_in_at=at)
    attendance_changed.send(sender=None, ticket_ids=[ticket.pk])
    fan = Fan.objects.get()
    assert (counts(fan), fan.last_seen_at) == ((1, 1, 0), at)

    Ticket.objects.filter(pk=ticket.pk).update(checked_in_at=None)  # the door undid it
    attendance_changed.send(sender=None, ticket_ids=[ticket.pk])
    assert counts(fan) == (1, 0, 0)


def test_counts_are_exact_over_several_events(community, other_community):
    came_twice = [past_event(community, days_ago=d, title=f"E{d}") for d in (30, 20)]
    missed = past_event(community, days_ago=10)
    cancelled = past_event(community, days_ago=5)
    upcoming = make_event(community)
    tickets = [
        past_ticket(came_twice[0], "ada@example.com", checked_in=True),
        past_ticket(came_twice[1], "ada@example.com", checked_in=True),
        past_ticket(came_twice[1], "ada@example.com", checked_in=False),  # a second ticket, same event, unused
        past_ticket(missed, "ada@example.com"),
        past_ticket(cancelled, "ada@example.com", status=Order.Status.CANCELLED),
        past_ticket(upcoming, "ada@example.com"),
        past_ticket(past_event(other_community, days_ago=3), "ada@example.com"),  # another community's
    ]
    WaitingListEntryFactory(event=upcoming, email="ada@example.com")

    sync_orders(order_ids=[t.order_id for t in tickets])

    fan = Fan.objects.get(community=community)
    # Registered: two attended, the missed one, the upcoming one; attended: two; no-show: the missed one only.
    assert counts(fan) == (4, 2, 1)
    assert counts(Fan.objects.get(community=other_community)) == (1, 0, 1)


def test_no_shows_appear_once_the_event_has_ended_through_the_sweep(community, capsys):
    start = timezone.now() - dt.timedelta(hours=1)
    event = EventFactory(community=community, start=start, end=timezone.now() + dt.timedelta(hours=1))  # on now
    ticket = past_ticket(event, "ada@example.com")
    sync_orders(order_ids=[ticket.order_id])
    fan = Fan.objects.get()
    assert counts(fan) == (1, 0, 0)

    type(event).objects.filter(pk=event.pk).update(end=timezone.now() - dt.timedelta(minutes=1))
    call_command("attendees_sweep")

    assert counts(fan) == (1, 0, 1)
    assert capsys.readouterr().out.endswith("0 orders linked to fans, 1 fans recounted\n")


def test_the_sweep_links_tickets_a_lost_task_left_unlinked(community):
    ticket = past_ticket(past_event(community, days_ago=3), "ada@example.com", checked_in=True)

    call_command("attendees_sweep")

    ticket.refresh_from_db()
    assert (ticket.fan.email, counts(ticket.fan)) == ("ada@example.com", (1, 1, 0))


def test_the_fans_command_links_existing_data_and_is_safe_to_run_again(community, capsys):
    event = past_event(community, days_ago=3)
    past_ticket(event, "ada@example.com", checked_in=True)
    past_ticket(event, "bob@example.com")
    WaitingListEntryFactory(event=event, email="sam@example.com", name="Sam")

    call_command("attendees_fans")
    call_command("attendees_fans", community=community.slug)

    assert sorted(Fan.objects.values_list("email", *COUNTS)) == [
        ("ada@example.com", 1, 1, 0), ("bob@example.com", 1, 0, 1), ("sam@example.com", 0, 0, 0)
    ]  # fmt: skip
    assert capsys.readouterr().out == f"{community.slug}: 3 people\n{community.slug}: 3 people\n"


def test_recount_fixes_counters_that_drifted(community):
    ticket = past_ticket(past_event(community, days_ago=3), "ada@example.com", checked_in=True)
    sync_orders(order_ids=[ticket.order_id])
    Fan.objects.update(events_registered=9, events_attended=0, no_shows=4)

    assert recount_community(community_id=community.pk) == 1
    assert counts(Fan.objects.get()) == (1, 1, 0)
    assert recount_community(community_id=community.pk) == 0  # nothing more to write


def test_a_flagged_fan_is_refused_registration_and_the_waiting_list(community, organiser, register):
    event = make_event(community, capacity=1)
    register(make_event(community, days=3), "Mallory@example.com")
    mallory = Fan.objects.get(email="mallory@example.com")
    flag_fan(fan=mallory, reason="Harassed a speaker", by=organiser)

    with pytest.raises(RegistrationError) as as_buyer:
        register(event, "mallory@example.com")
    with pytest.raises(RegistrationError) as as_holder:
        register(event, "friend@example.com", holders=[("M", "MALLORY@example.com")])
    register(event, "ada@example.com")  # the last place
    with pytest.raises(RegistrationError) as waiting:
        join_waiting_list(event=event, name="M", email="mallory@example.com")

    assert [e.value.code for e in (as_buyer, as_holder, waiting)] == ["flagged"] * 3
    assert "contact the organisers" in as_buyer.value.message
    assert waiting.value.field == "email"
    assert list(Order.objects.filter(event=event).values_list("buyer_email", flat=True)) == ["ada@example.com"]

    unflag_fan(fan=mallory, by=organiser)
    assert register(make_event(community, days=5), "mallory@example.com").status == Order.Status.CONFIRMED


def test_a_flagged_fan_is_refused_by_account_whatever_the_email(community, organiser, register):
    user = UserFactory(email="mallory@example.com")
    register(make_event(community, days=3), "mallory@example.com", user=user)
    flag_fan(fan=Fan.objects.get(), reason="Code of conduct", by=organiser)

    with pytest.raises(RegistrationError) as exc:
        register(make_event(community), "m.other@example.com", user=user)

    assert exc.value.code == "flagged"


def test_a_flag_in_another_community_does_not_refuse(community, other_community, organiser, register):
    register(make_event(other_community), "mallory@example.com")
    flag_fan(fan=Fan.objects.get(), reason="Elsewhere", by=organiser)

    assert register(make_event(community), "mallory@example.com").status == Order.Status.CONFIRMED


def test_logging_in_gives_the_account_to_the_fans_of_its_verified_address(client, community, other_community, register):
    register(make_event(community), "ada@example.com")
    register(make_event(other_community), "ada@example.com")
    user = UserFactory(email="ada@example.com")
    taken = Fan.objects.create(community=other_community, email="ada.work@example.com", user=user)

    client.post("/accounts/login/", {"login": "ada@example.com", "password": "correct-horse-battery"})

    assert sorted(Fan.objects.values_list("community__slug", "email", "user")) == [
        (community.slug, "ada@example.com", user.pk),
        ("other-crowd", "ada.work@example.com", user.pk),  # the account already had a fan there: left alone
        ("other-crowd", "ada@example.com", None),
    ]
    assert taken.user == user
