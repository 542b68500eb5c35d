"""Real threads, real connections: one admission per ticket and door, one record per nonce, whatever the timing.

Each thread has its own database connection and commits for real. On PostgreSQL the ticket row lock serialises the
decisions; without it, all 20 devices would read "not inside" and let the ticket in. SQLite runs them on a file
copy of the test database (tests/attendees/test_concurrency.py explains why), where BEGIN IMMEDIATE serialises
whole transactions.
"""

import pytest

from checkin.models import CheckIn
from checkin.services.checkins import ScanRequest, scan
from tests.attendees.test_concurrency import _shared_database, in_threads  # noqa: F401 (autouse fixture)
from tests.checkin.factories import DoorFactory, TicketFactory
from tests.factories import EventFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def setting():
    event = EventFactory()
    door = DoorFactory(event=event, name="Main door")
    ticket = TicketFactory(order__event=event)
    return door, ticket, UserFactory(first_name="Alex")


def test_twenty_devices_scanning_one_ticket_at_once_let_it_in_once(setting):
    door, ticket, volunteer = setting

    def work(i):
        request = ScanRequest(device=f"d-{i}", nonce=f"n-{i}", code=ticket.secret)
        checkin = scan(door=door, volunteer=volunteer, request=request)
        return checkin.reason or "admitted"

    results = in_threads(20, work)

    assert sorted(results) == ["admitted"] + ["already_checked_in"] * 19, results
    assert CheckIn.objects.filter(ticket=ticket, successful=True).count() == 1
    admitted = CheckIn.objects.get(ticket=ticket, successful=True)
    assert set(CheckIn.objects.filter(successful=False).values_list("previous_id", flat=True)) == {admitted.pk}
    ticket.refresh_from_db()
    assert ticket.checked_in_at == admitted.scanned_at


def test_same_nonce_sent_five_times_at_once_records_once(setting):
    door, ticket, volunteer = setting
    request = ScanRequest(device="d-1", nonce="n-same", code=ticket.secret)

    results = in_threads(5, lambda i: scan(door=door, volunteer=volunteer, request=request))

    assert CheckIn.objects.count() == 1
    recorded = CheckIn.objects.get()
    assert [(r.pk, r.successful) for r in results] == [(recorded.pk, True)] * 5, results


def test_same_nonce_of_an_unknown_code_sent_at_once_records_once(setting):
    door, _, volunteer = setting
    request = ScanRequest(device="d-1", nonce="n-unknown", code="u" * 32)

    results = in_threads(5, lambda i: scan(door=door, volunteer=volunteer, request=request))

    assert CheckIn.objects.count() == 1
    assert [r.reason for r in results] == ["unknown"] * 5, results
