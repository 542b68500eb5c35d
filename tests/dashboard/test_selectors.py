"""The dashboard's figures, worked out by hand on the history of tests/dashboard/conftest.py."""

import datetime as dt
import zoneinfo

import pytest
from django.utils import timezone

from attendees import selectors_dashboard as selectors
from attendees.models import Order
from tests.attendees.factories import OrderFactory, TicketFactory
from tests.factories import EventFactory

PARIS = zoneinfo.ZoneInfo("Europe/Paris")


def _board(history, *, first=None, last=None):
    today = history.now.astimezone(PARIS).date()
    events, left_out = selectors.events_in_range(
        community=history.community,
        first=first or today - dt.timedelta(days=365),
        last=last or today + dt.timedelta(days=90),
    )
    return selectors.dashboard(community=history.community, events=events, left_out=left_out, now=history.now)


def _row(f):
    return (
        f.event.title,
        f.registrations,
        f.confirmed,
        f.checked_in,
        f.returning,
        f.first_timers,
        f.no_shows,
        f.waiting,
    )


def test_dashboard_counts_each_published_event_of_the_range_oldest_first(history):
    board = _board(history)

    assert [_row(f) for f in board.figures] == [
        ("A", 5, 3, 2, 1, 1, 1, 2),
        ("B", 4, 3, 3, 1, 2, 0, 0),
        ("C", 2, 1, 0, 0, 0, None, 3),
    ]
    assert board.left_out is False


def test_dashboard_rates_of_each_event(history):
    a, b, c = _board(history).figures

    assert (a.attendance_rate, a.no_show_rate, a.returning_rate, a.waiting_pressure) == (2 / 3, 1 / 3, 1 / 2, 0.2)
    assert (b.attendance_rate, b.no_show_rate, b.returning_rate, b.waiting_pressure) == (1.0, 0.0, 1 / 3, 0.0)
    assert (c.attendance_rate, c.no_show_rate, c.returning_rate, c.waiting_pressure) == (0.0, None, None, 0.6)


def test_dashboard_totals_add_up_the_events_and_count_no_shows_of_past_events_only(history):
    totals = _board(history).totals

    assert totals == selectors.Totals(
        events=3,
        registrations=11,
        confirmed=7,
        checked_in=5,
        returning=2,
        new_fans=3,
        no_shows=1,
        past_confirmed=6,
        past_checked_in=5,
    )
    assert (totals.attendance_rate, totals.no_show_rate, totals.returning_rate) == (5 / 7, 1 / 6, 2 / 5)


def test_dashboard_range_is_inclusive_in_the_community_time_zone(history):
    a_day = history.a.start.astimezone(PARIS).date()

    board = _board(history, first=a_day, last=a_day)

    assert [f.event for f in board.figures] == [history.a]
    # An earlier event outside the range still makes a fan returning.
    assert board.figures[0].returning == 1


def test_dashboard_of_a_range_without_events_is_empty(history):
    board = _board(history, first=dt.date(2001, 1, 1), last=dt.date(2001, 12, 31))

    assert board.figures == []
    assert board.totals.events == 0
    assert board.totals.attendance_rate is None


def test_dashboard_of_an_event_without_capacity_has_no_waiting_pressure(history):
    history.a.capacity = None
    history.a.save(update_fields=["capacity"])

    a = _board(history).figures[0]

    assert (a.event.title, a.waiting, a.waiting_pressure) == ("A", 2, None)


def test_events_in_range_keeps_the_latest_when_there_are_too_many(history, monkeypatch):
    monkeypatch.setattr(selectors, "MAX_EVENTS", 2)

    board = _board(history)

    assert [f.event.title for f in board.figures] == ["B", "C"]
    assert board.left_out is True


@pytest.mark.parametrize(
    ("chosen", "expected"),
    [(None, ["A", "B", "C"]), ("B", ["A", "B"]), ("A", ["A"]), ("elsewhere", ["A", "B", "C"])],
)
def test_curve_events_are_the_chosen_one_and_those_before_it(history, chosen, expected):
    events = [f.event for f in _board(history).figures]
    chosen_event = next((e for e in events if e.title == chosen), history.old if chosen == "elsewhere" else None)

    assert [e.title for e in selectors.curve_events(events=events, chosen=chosen_event)] == expected


def test_registration_curve_adds_up_registrations_by_days_before_the_start(community):
    paris = dt.datetime(2026, 3, 12, 19, 0, tzinfo=PARIS)
    event = EventFactory(community=community, start=paris, end=paris + dt.timedelta(hours=3))

    def registered(at, *, tickets=1, status=Order.Status.CONFIRMED):
        order = OrderFactory(event=event, status=status, created_at=at)
        TicketFactory.create_batch(tickets, order=order)

    registered(paris - dt.timedelta(days=70))  # before the curve starts: counted at its start
    registered(paris - dt.timedelta(days=10), tickets=2)
    registered(paris - dt.timedelta(days=10), status=Order.Status.EXPIRED)  # never a registration
    registered(paris - dt.timedelta(days=1), status=Order.Status.CANCELLED)  # given up later: still counted
    # 23:30 UTC the day before is 00:30 in Paris on the day itself.
    registered(dt.datetime(2026, 3, 11, 23, 30, tzinfo=dt.UTC))
    registered(paris + dt.timedelta(hours=1))  # at the door: counted on the day

    (curve,) = selectors.registration_curves(
        events=[event], time_zone="Europe/Paris", now=paris + dt.timedelta(days=1), days=12
    )

    assert curve.days == list(range(12, -1, -1))
    assert curve.counts == [1, 1, 3, 3, 3, 3, 3, 3, 3, 3, 3, 4, 6]
    assert curve.latest == 6


def test_registration_curve_of_an_event_to_come_stops_today(community):
    paris = dt.datetime(2026, 3, 12, 19, 0, tzinfo=PARIS)
    event = EventFactory(community=community, start=paris, end=paris + dt.timedelta(hours=3))
    TicketFactory(order=OrderFactory(event=event, created_at=paris - dt.timedelta(days=5)))
    TicketFactory(order=OrderFactory(event=event, created_at=paris - dt.timedelta(days=3, hours=1)))

    (curve,) = selectors.registration_curves(
        events=[event], time_zone="Europe/Paris", now=paris - dt.timedelta(days=3), days=6
    )

    assert curve.counts == [0, 1, 1, 2, None, None, None]
    assert curve.latest == 2


def test_registration_curves_of_no_events_cost_nothing(db, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert selectors.registration_curves(events=[], time_zone="Europe/Paris", now=timezone.now()) == []
