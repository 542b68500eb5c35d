"""Door stats: counts per event and door, refusals by reason, conflicts, arrivals per five minutes."""

import datetime as dt
import zoneinfo

import pytest

from attendees.models import Order, Ticket
from checkin.models import CheckIn
from checkin.services.doors import create_door, doors_for
from checkin.stats import _nice_step, arrivals_chart, door_stats, doors_overview
from tests.checkin_manage.helpers import scan, ticket
from tests.factories import EventFactory, TicketTypeFactory, UserFactory

pytestmark = pytest.mark.django_db

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
START = dt.datetime(2026, 11, 21, 19, 0, tzinfo=PARIS)


@pytest.fixture
def event():
    return EventFactory(start=START, end=START + dt.timedelta(hours=3), time_zone="Europe/Paris")


def _at(hour, minute, second=0):
    return dt.datetime(2026, 11, 21, hour, minute, second, tzinfo=PARIS)


def test_door_stats_counts_expected_checked_in_and_inside(event):
    general = TicketTypeFactory(event=event, name="General")
    main = doors_for(event=event)[0]
    camille, alex, sam = (ticket(event, general, name=n) for n in ("Camille", "Alex", "Sam"))
    ticket(event, general, status=Ticket.Status.CANCELLED)
    ticket(event, general, order_status=Order.Status.PENDING_PAYMENT)
    scan(main, camille, at=_at(18, 31))
    scan(main, alex, at=_at(18, 33))
    scan(main, alex, at=_at(19, 10), kind=CheckIn.Kind.EXIT)
    scan(main, sam, at=_at(18, 40), undone_at=_at(18, 41))

    stats = door_stats(event=event, now=_at(19, 30))

    assert (stats.total.expected, stats.total.checked_in, stats.total.inside) == (3, 2, 1)
    assert stats.total.percent == 67
    assert stats.scans == 4
    assert stats.last_scan_at == _at(19, 10)
    assert [(c.door.name, c.expected, c.checked_in, c.inside) for c in stats.doors] == [("Main door", 3, 2, 1)]


def test_door_stats_per_door_follows_the_ticket_type_limit(event):
    general = TicketTypeFactory(event=event, name="General")
    speaker = TicketTypeFactory(event=event, name="Speaker")
    main = doors_for(event=event)[0]
    speakers = create_door(event=event, name="Speakers", ticket_types=[speaker.pk])
    fan = ticket(event, general)
    talker = ticket(event, speaker)
    scan(main, fan, at=_at(18, 30))
    scan(speakers, talker, at=_at(18, 0))
    scan(speakers, fan, at=_at(18, 5), successful=False, reason=CheckIn.Reason.WRONG_DOOR)

    everything = door_stats(event=event, now=_at(23, 0))
    only_speakers = door_stats(event=event, door_id=speakers.pk, now=_at(23, 0))

    assert [(c.door.name, c.expected, c.checked_in, c.inside) for c in everything.doors] == [
        ("Main door", 2, 1, 1),
        ("Speakers", 1, 1, 1),
    ]
    assert (everything.total.expected, everything.total.checked_in, everything.total.inside) == (2, 2, 2)
    assert only_speakers.door == speakers
    assert (only_speakers.total.expected, only_speakers.total.checked_in) == (1, 1)
    assert [(r.reason, r.label, r.count) for r in only_speakers.refusals] == [
        ("wrong_door", "Wrong door for this ticket type", 1)
    ]
    assert [b.count for b in only_speakers.arrivals] == [1]


def test_door_stats_with_a_door_of_another_event_shows_every_door(event):
    other_door = doors_for(event=EventFactory())[0]

    stats = door_stats(event=event, door_id=other_door.pk, now=_at(19, 0))

    assert stats.door is None
    assert [c.door.event_id for c in stats.doors] == [event.pk]


def test_door_stats_refusals_by_reason_most_first(event):
    main = doors_for(event=event)[0]
    for reason in ["unknown", "unknown", "cancelled", "already_checked_in", "unknown", "cancelled"]:
        scan(main, at=_at(18, 30), successful=False, reason=reason)

    stats = door_stats(event=event, now=_at(19, 0))

    assert [(r.reason, r.label, r.count) for r in stats.refusals] == [
        ("unknown", "Unknown code", 3),
        ("cancelled", "Ticket cancelled", 2),
        ("already_checked_in", "Already checked in", 1),
    ]
    assert stats.refused == 6
    assert stats.arrivals == []


def test_door_stats_lists_conflicts_with_both_admissions(event):
    general = TicketTypeFactory(event=event, name="General")
    main = doors_for(event=event)[0]
    side = create_door(event=event, name="Side")
    volunteer = UserFactory(first_name="Alex", last_name="Morgan")
    camille = ticket(event, general, name="Camille Martin")
    scan(main, camille, at=_at(19, 3), device="d-phone-a", volunteer=volunteer, offline=True)
    scan(side, camille, at=_at(19, 4, 30), device="d-phone-b", offline=True, conflict=True)

    stats = door_stats(event=event, now=_at(23, 0))

    assert [(c.holder, c.ticket_type) for c in stats.conflicts] == [("Camille Martin", "General")]
    assert [(s.scanned_at, s.device, s.door, s.volunteer, s.offline, s.conflict) for s in stats.conflicts[0].scans] == [
        (_at(19, 3), "d-phone-a", "Main door", "Alex Morgan", True, False),
        (_at(19, 4, 30), "d-phone-b", "Side", "", True, True),
    ]
    # One person, one arrival: the second admission is not counted again.
    assert [b.count for b in stats.arrivals] == [1]
    assert stats.total.checked_in == 1


def test_door_stats_buckets_arrivals_per_five_minutes_in_the_event_time_zone(event):
    general = TicketTypeFactory(event=event)
    main = doors_for(event=event)[0]
    for minute, second in [(30, 0), (31, 10), (34, 59), (35, 0), (47, 0)]:
        scan(main, ticket(event, general), at=_at(18, minute, second))

    stats = door_stats(event=event, now=_at(23, 0))  # after the end: the chart stops at the last arrival

    assert [(b.start, b.count) for b in stats.arrivals] == [
        (_at(18, 30), 3),
        (_at(18, 35), 1),
        (_at(18, 40), 0),
        (_at(18, 45), 1),
    ]
    assert all(b.start.tzinfo == PARIS for b in stats.arrivals)


def test_door_stats_arrivals_run_to_now_while_the_event_is_on(event):
    main = doors_for(event=event)[0]
    scan(main, ticket(event, TicketTypeFactory(event=event)), at=_at(19, 1))

    stats = door_stats(event=event, now=_at(19, 17))

    assert [(b.start.strftime("%H:%M"), b.count) for b in stats.arrivals] == [
        ("19:00", 1),
        ("19:05", 0),
        ("19:10", 0),
        ("19:15", 0),
    ]


def test_door_stats_arrivals_across_a_daylight_saving_change():
    # 25 October 2026: Paris clocks go back from 03:00 to 02:00; one bar per five real minutes.
    night = dt.datetime(2026, 10, 25, 0, 30, tzinfo=dt.UTC)
    event = EventFactory(start=night, end=night + dt.timedelta(hours=2), time_zone="Europe/Paris")
    main = doors_for(event=event)[0]
    general = TicketTypeFactory(event=event)
    scan(main, ticket(event, general), at=dt.datetime(2026, 10, 25, 0, 58, tzinfo=dt.UTC))
    scan(main, ticket(event, general), at=dt.datetime(2026, 10, 25, 1, 2, tzinfo=dt.UTC))

    stats = door_stats(event=event, now=night + dt.timedelta(hours=3))

    assert [
        (b.start.astimezone(dt.UTC).strftime("%H:%M"), b.start.strftime("%H:%M"), b.count) for b in stats.arrivals
    ] == [
        ("00:55", "02:55", 1),
        ("01:00", "02:00", 1),
    ]


def test_door_stats_keeps_the_last_twelve_hours_on_the_chart(event):
    main = doors_for(event=event)[0]
    general = TicketTypeFactory(event=event)
    scan(main, ticket(event, general), at=_at(5, 0))
    scan(main, ticket(event, general), at=_at(18, 0))

    stats = door_stats(event=event, now=_at(23, 0))

    assert stats.truncated is True
    assert len(stats.arrivals) == 144
    assert stats.arrivals[-1].start == _at(18, 0)
    assert stats.total.checked_in == 2


@pytest.mark.parametrize(("peak", "step"), [(1, 1), (5, 1), (6, 2), (10, 2), (11, 5), (24, 5), (26, 10), (260, 100)])
def test_nice_step(peak, step):
    assert _nice_step(peak) == step


def test_arrivals_chart_geometry(event):
    main = doors_for(event=event)[0]
    general = TicketTypeFactory(event=event)
    for minute in (0, 1, 2, 10):
        scan(main, ticket(event, general), at=_at(18, minute))
    stats = door_stats(event=event, now=_at(23, 0))

    chart = arrivals_chart(stats.arrivals, width=340, height=240)

    # Three slots across 292 units (40 to 332): bars of 97.33 minus a 2-unit gap; 3 arrivals reach the top (12).
    assert [(b.x, b.y, b.width, b.height, b.count) for b in chart.bars] == [
        (41.0, 12.0, 95.33, 200.0, 3),
        (138.33, 212.0, 95.33, 0.0, 0),
        (235.67, 145.33, 95.33, 66.67, 1),
    ]
    assert [(t.position, t.label) for t in chart.y_ticks] == [(212.0, "0"), (145.33, "1"), (78.67, "2"), (12.0, "3")]
    assert [(t.position, t.label) for t in chart.x_ticks] == [(40.0, "18:00"), (137.33, "18:05"), (234.67, "18:10")]
    assert arrivals_chart([]) is None


def test_door_stats_arrivals_count_each_holder_once(event):
    main = doors_for(event=event)[0]
    camille = ticket(event, TicketTypeFactory(event=event))
    scan(main, camille, at=_at(18, 30))
    scan(main, camille, at=_at(18, 50), kind=CheckIn.Kind.EXIT)
    scan(main, camille, at=_at(18, 55))  # back in: inside again, not a new arrival

    stats = door_stats(event=event, now=_at(23, 0))

    assert [(b.start, b.count) for b in stats.arrivals] == [(_at(18, 30), 1)]
    assert (stats.total.checked_in, stats.total.inside) == (1, 1)


def test_doors_overview_lists_doors_with_their_ticket_types_and_scans(event):
    staff = TicketTypeFactory(event=event, name="Staff", position=0)
    speaker = TicketTypeFactory(event=event, name="Speaker", position=1)
    main = doors_for(event=event)[0]
    create_door(event=event, name="Backstage", ticket_types=[speaker.pk, staff.pk])
    scan(main, at=_at(18, 30), successful=False, reason="unknown")
    scan(main, at=_at(18, 31), successful=False, reason="unknown", undone_at=_at(18, 32))

    overview = doors_overview(event=event)

    assert [(o.door.name, o.ticket_types, o.scans) for o in overview] == [
        ("Main door", [], 2),
        ("Backstage", ["Staff", "Speaker"], 0),
    ]
