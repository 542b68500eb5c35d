"""Real threads, real connections: one admission per ticket and door, one record per nonce, whatever the timing.

Each thread has its own database connection and commits for real. On PostgreSQL a scan's write lands only if the
ticket row is still the version its decision was read from (checkin.services.scan_query); without that condition,
all 20 devices would read "not inside" and let the ticket in. SQLite runs them on a file
copy of the test database (tests/attendees/test_concurrency.py explains why), where BEGIN IMMEDIATE serialises
whole transactions.
"""

import pytest
from django.db import connection

from attendees.models import Ticket
from checkin.models import CheckIn
from checkin.services import checkins
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


def _reads_then(monkeypatch, meanwhile):
    """Make the scan service call `meanwhile()` right after each of its reads of the ticket without its lock, as
    another writer would between that read and the write; return the list of the reads' `lock` arguments."""
    reads, real = [], checkins.read_ticket

    def read_ticket(**kwargs):
        ticket = real(**kwargs)
        reads.append(kwargs["lock"])
        if not kwargs["lock"]:
            meanwhile()
        return ticket

    monkeypatch.setattr(checkins, "read_ticket", read_ticket)
    return reads


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite decides under the database's write lock")
def test_a_scan_whose_ticket_was_let_in_after_its_read_decides_again(setting, monkeypatch):
    door, ticket, volunteer = setting
    other = []

    def another_device_lets_it_in():
        if not other:  # once, and not from inside its own scan's read
            other.append(None)
            other[0] = scan(
                door=door, volunteer=volunteer, request=ScanRequest(device="d-2", nonce="n-2", code=ticket.secret)
            )

    reads = _reads_then(monkeypatch, another_device_lets_it_in)

    answer = scan(door=door, volunteer=volunteer, request=ScanRequest(device="d-1", nonce="n-1", code=ticket.secret))

    assert (other[0].successful, answer.reason, answer.previous_id) == (True, "already_checked_in", other[0].pk)
    assert CheckIn.objects.filter(ticket=ticket, successful=True).count() == 1
    assert reads == [False, False, False]  # ours, the other device's, ours again


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite decides under the database's write lock")
def test_a_ticket_changed_after_every_read_is_decided_under_its_lock(setting, monkeypatch):
    door, ticket, volunteer = setting
    touched = []

    def an_organiser_edits_it():
        touched.append(None)
        Ticket.objects.filter(pk=ticket.pk).update(holder_name=f"Camille {len(touched)}")

    reads = _reads_then(monkeypatch, an_organiser_edits_it)

    answer = scan(door=door, volunteer=volunteer, request=ScanRequest(device="d-1", nonce="n-1", code=ticket.secret))

    assert answer.successful
    assert reads == [False] * checkins.UNLOCKED_ATTEMPTS + [True]
    assert CheckIn.objects.filter(ticket=ticket).count() == 1
    ticket.refresh_from_db()
    assert ticket.checked_in_at == answer.scanned_at


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite decides under the database's write lock")
def test_an_exit_read_before_an_undo_of_the_entry_it_ends_decides_again(setting, monkeypatch):
    """The undo leaves the ticket's first admission (at another door) as it was, and still writes the ticket row,
    so the exit that read "inside" before it reads again."""
    door, ticket, volunteer = setting
    other_door = DoorFactory(event=door.event, name="Speakers")
    scan(door=other_door, volunteer=volunteer, request=ScanRequest(device="d-1", nonce="n-1", code=ticket.secret))
    entry = scan(door=door, volunteer=volunteer, request=ScanRequest(device="d-1", nonce="n-2", code=ticket.secret))
    first_admission = Ticket.objects.get(pk=ticket.pk).checked_in_at
    undone = []

    def a_volunteer_undoes_the_entry():
        if not undone:
            undone.append(checkins.undo(door=door, checkin_id=entry.pk, volunteer=volunteer))

    _reads_then(monkeypatch, a_volunteer_undoes_the_entry)

    exit_ = scan(
        door=door, volunteer=volunteer, request=ScanRequest(device="d-2", nonce="n-3", code=ticket.secret, kind="exit")
    )

    assert (exit_.successful, exit_.reason) == (False, "not_inside")
    assert Ticket.objects.get(pk=ticket.pk).checked_in_at == first_admission
    assert not CheckIn.objects.filter(door=door, kind="exit", successful=True).exists()
