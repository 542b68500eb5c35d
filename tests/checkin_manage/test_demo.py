"""The demo's registrations and door check-ins: believable, the same on every run, moving with their events."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from attendees import demo as attendees_demo
from attendees.models import Order, Ticket, WaitingListEntry
from checkin import demo as checkin_demo
from checkin.models import CheckIn, Door
from checkin.stats import door_stats
from events.demo import load_demo
from events.models import Event

pytestmark = pytest.mark.django_db

PAST = ["apero-data-11", "build-night-39", "build-night-40", "workshop-python-packaging"]


def _run():
    out = StringIO()
    call_command("load_demo", "--url", "http://127.0.0.1:8200", stdout=out)
    return out.getvalue()


def _rows():
    return {
        "orders": list(Order.objects.order_by("pk").values_list("pk", "event__slug", "buyer_email", "status")),
        "tickets": list(Ticket.objects.order_by("pk").values_list("pk", "status", "checked_in_at")),
        "waiting": list(WaitingListEntry.objects.order_by("pk").values_list("pk", "email", "status")),
        "checkins": list(
            CheckIn.objects.order_by("pk").values_list("pk", "device", "nonce", "scanned_at", "ticket_id")
        ),
    }


@pytest.fixture
def demo():
    return _run()


def test_load_demo_twice_creates_registrations_and_checkins_once():
    first = _run()
    rows = _rows()
    second = _run()

    assert _rows() == rows
    assert "Registrations: 237 created (14 cancelled, 2 on a waiting list), 0 unchanged." in first
    assert "Door check-ins at 4 past events: 150 scans created, 0 updated, 0 unchanged." in first
    assert "Registrations: 0 created (0 cancelled, 0 on a waiting list), 237 unchanged." in second
    assert "Door check-ins at 4 past events: 0 scans created, 0 updated, 150 unchanged." in second


def test_demo_past_events_have_checkins_refusals_and_no_shows(demo):
    now = timezone.now()
    for slug in PAST:
        event = Event.objects.get(slug=slug)
        valid = Ticket.objects.filter(order__event=event, status="valid", order__status="confirmed")
        admitted = CheckIn.objects.filter(event=event, successful=True, kind="entry", conflict=False)
        assert event.end < now
        assert admitted.count() >= 15, slug
        assert valid.filter(checked_in_at__isnull=True).count() >= 3, slug  # no-shows
        assert valid.filter(checked_in_at__isnull=False).count() == admitted.values("ticket").distinct().count()
        assert set(CheckIn.objects.filter(event=event, successful=False).values_list("reason", flat=True)) == {
            "already_checked_in",
            "unknown",
            "cancelled",
        }, slug


def test_demo_arrivals_make_a_curve_over_the_first_hour(demo):
    event = Event.objects.get(slug="build-night-40")

    stats = door_stats(event=event)

    counts = [bucket.count for bucket in stats.arrivals]
    peak = counts.index(max(counts))
    assert 12 <= len(counts) <= 20  # about an hour of five-minute slots
    assert max(counts) >= 5
    assert 0 < peak < len(counts) - 3  # it rises, then falls
    assert stats.arrivals[0].start >= event.local_start - dt.timedelta(minutes=10)
    assert [(c.holder, [s.conflict for s in c.scans]) for c in stats.conflicts] == [
        (stats.conflicts[0].holder, [False, True])
    ]
    assert stats.total.inside == stats.total.checked_in - 1  # one went out and stayed out


def test_demo_upcoming_events_have_registrations_and_no_checkins(demo):
    now = timezone.now()
    upcoming = Event.objects.filter(slug__in=attendees_demo.UPCOMING).order_by("slug")

    assert [(e.slug, e.start > now) for e in upcoming] == [(slug, True) for slug in sorted(attendees_demo.UPCOMING)]
    for event in upcoming:
        confirmed = Order.objects.filter(event=event, status="confirmed").count()
        count, cancelled, _type = attendees_demo.UPCOMING[event.slug]
        assert confirmed == count - cancelled, event.slug
        assert Order.objects.filter(event=event, status="cancelled").count() == cancelled, event.slug
        assert event.seats_taken == confirmed, event.slug
    assert not CheckIn.objects.filter(event__start__gt=now).exists()


def test_demo_has_a_door_limited_to_one_ticket_type(demo):
    event = Event.objects.get(slug="maintainers-day")

    assert [(d.name, [t.name for t in d.ticket_types.all()]) for d in Door.objects.filter(event=event)] == [
        ("Main door", []),
        ("Student desk", ["Student"]),
    ]


def test_demo_full_event_has_a_waiting_list(demo):
    dinner = Event.objects.get(slug="maintainers-day-speakers-dinner")

    assert dinner.seats_taken == dinner.capacity == 14
    assert list(WaitingListEntry.objects.filter(event=dinner).values_list("status", flat=True)) == [
        "waiting",
        "waiting",
    ]


def test_demo_on_a_later_day_moves_the_checkins_with_their_events():
    today = timezone.localdate()
    communities = load_demo(today=today).communities
    attendees_demo.load(communities=communities)
    checkin_demo.load(communities=communities)
    offsets = sorted(
        (c.event.slug, c.nonce, c.scanned_at - c.event.start) for c in CheckIn.objects.select_related("event")
    )
    count = CheckIn.objects.count()

    communities = load_demo(today=today + dt.timedelta(days=7)).communities
    attendees_demo.load(communities=communities)
    result = checkin_demo.load(communities=communities)

    assert CheckIn.objects.count() == count
    assert result.created == 0
    assert (
        sorted((c.event.slug, c.nonce, c.scanned_at - c.event.start) for c in CheckIn.objects.select_related("event"))
        == offsets
    )


def test_demo_people_are_linked_and_counted(demo):
    """The people pages have the demo's fans at once: regulars with attendance and no-shows, no worker needed."""
    from attendees.models import Fan

    london = Fan.objects.filter(community__slug="os-builders-london")
    assert london.exists()
    assert not Ticket.objects.filter(order__event__community__slug="os-builders-london", fan__isnull=True).exists()
    assert london.filter(events_attended__gte=2).exists()
    assert london.filter(no_shows__gte=1).exists()
    fan = london.filter(events_attended__gte=1).first()
    attended = Ticket.objects.filter(fan=fan, checked_in_at__isnull=False).values("order__event").distinct().count()
    assert fan.events_attended == attended
