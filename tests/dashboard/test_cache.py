"""The dashboard's ticket figures and curves are cached under a version of the community's data: a change at the
door or in the registrations shows on the next read, and a read with nothing changed runs no aggregate."""

import datetime as dt
import zoneinfo

from attendees import selectors_dashboard as selectors
from attendees.models import Ticket
from checkin.services.checkins import ScanRequest, scan, undo
from tests.attendees.factories import OrderFactory, TicketFactory
from tests.checkin.factories import DoorFactory
from tests.factories import UserFactory

PARIS = zoneinfo.ZoneInfo("Europe/Paris")


def _events(history):
    today = history.now.astimezone(PARIS).date()
    events, left_out = selectors.events_in_range(
        community=history.community, first=today - dt.timedelta(days=365), last=today + dt.timedelta(days=90)
    )
    return events, left_out


def _figures(history):
    events, left_out = _events(history)
    board = selectors.dashboard(community=history.community, events=events, left_out=left_out, now=history.now)
    return [(f.event.title, f.registrations, f.confirmed, f.checked_in, f.returning, f.no_shows) for f in board.figures]


def test_a_late_check_in_and_its_undo_show_on_the_next_read(history):
    before = [("A", 5, 3, 2, 1, 1), ("B", 4, 3, 3, 1, 0), ("C", 2, 1, 0, 0, None)]
    assert _figures(history) == before
    door = DoorFactory(event=history.a)
    volunteer = UserFactory()
    ticket = Ticket.objects.get(order__event=history.a, fan__email="f3@example.com")

    checkin = scan(door=door, volunteer=volunteer, request=ScanRequest(device="d-1", nonce="n-1", code=ticket.secret))

    assert checkin.successful
    # f3 now came to A: A has no no-show left, and f3 is returning at B.
    assert _figures(history) == [("A", 5, 3, 3, 1, 0), ("B", 4, 3, 3, 2, 0), ("C", 2, 1, 0, 0, None)]

    undo(door=door, checkin_id=checkin.pk, volunteer=volunteer)

    assert _figures(history) == before


def test_a_new_registration_shows_in_the_figures_and_the_curve(history):
    events, _left_out = _events(history)
    (curve,) = selectors.registration_curves(events=[history.c], time_zone="Europe/Paris", now=history.now)
    assert curve.latest == 2
    assert _figures(history)[-1] == ("C", 2, 1, 0, 0, None)

    TicketFactory(order=OrderFactory(event=history.c, buyer_email="new@example.com"))

    (curve,) = selectors.registration_curves(events=[history.c], time_zone="Europe/Paris", now=history.now)
    assert curve.latest == 3
    assert _figures(history)[-1] == ("C", 3, 2, 0, 0, None)


def test_a_second_read_with_nothing_changed_runs_no_aggregate_of_tickets(history, django_assert_num_queries):
    first = _figures(history)
    events, left_out = _events(history)

    with django_assert_num_queries(2):  # the version, and the waiting lists (not cached: cheap)
        board = selectors.dashboard(community=history.community, events=events, left_out=left_out, now=history.now)

    assert [(f.event.title, f.registrations, f.confirmed, f.checked_in, f.returning, f.no_shows)
            for f in board.figures] == first  # fmt: skip
