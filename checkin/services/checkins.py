"""Scanning at a door, in pretix's order: cheap rejections, the ticket read, decide, record every attempt.

The decision is made on one consistent state of the ticket. On PostgreSQL, on the ticket as read, with a write that
lands only if the ticket row has not changed since (scan_query.insert_checkin): a scan whose write did not land
decides again on a new read, and under the ticket's row lock after UNLOCKED_ATTEMPTS. On SQLite, in a transaction
that holds the database's write lock (BEGIN IMMEDIATE).

Every attempt becomes a CheckIn row, admitted or refused, with the device, the door, the volunteer and the time.
A device names each scan with a nonce; the unique (device, nonce) constraint makes a scan sent again (a retry, a
flaky network, two requests at once) record nothing new: the second insert fails, its transaction rolls back, and
the first scan's row is the answer. Offline scans arrive in batches (`sync_scans`) with the time they were made.
"""

import contextlib
import dataclasses
import datetime as dt

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext

from attendees.models import Ticket
from attendees.secrets import is_well_formed_secret
from attendees.signals import attendance_changed
from checkin.counters import forget_door_counts
from checkin.errors import CheckInError
from checkin.models import CheckIn, Door
from checkin.services.rules import ticket_refusal
from checkin.services.scan_query import insert_checkin, read_ticket

Reason = CheckIn.Reason
Kind = CheckIn.Kind

# On PostgreSQL, how many times a scan decides on the ticket as read before deciding under its lock: each time,
# another writer changed the ticket between the read and the write (see scan_query).
UNLOCKED_ATTEMPTS = 3


class _TicketMoved(Exception):
    """The ticket changed between the read a scan decided on and its write: nothing was written."""


@dataclasses.dataclass(frozen=True)
class ScanRequest:
    """One scan as a device sent it: a ticket secret (`code`) or, from the search, a ticket id."""

    device: str
    nonce: str
    code: str | None = None
    ticket_id: int | None = None
    kind: str = Kind.ENTRY
    method: str = CheckIn.Method.CAMERA
    scanned_at: dt.datetime | None = None
    offline: bool = False


def scan(*, door: Door, volunteer, request: ScanRequest) -> CheckIn:
    """Decide and record one scan at `door`; the row says whether it was admitted and, if not, why.

    The same (device, nonce) again returns the first row and records nothing. The returned row has `ticket`
    (with its order and ticket type, or None), `previous` and, for a ticket, `ticket.fan_note` loaded; when the
    ticket was read, `count_change` too: what the scan changed in the door's (inside, checked in) counters (see
    checkin.counters.door_counts).
    """
    checkin, admitted_ticket_id = _scan(door=door, volunteer=volunteer, request=request)
    if admitted_ticket_id is not None:
        _announce([admitted_ticket_id])
    return checkin


def sync_scans(*, door: Door, volunteer, requests: list[ScanRequest], limiter) -> list[CheckIn | None]:
    """Record scans a device decided offline, oldest first, each in its own transaction as if sent one by one.

    An offline admission of a ticket another device had let in meanwhile is kept and flagged (`conflict`).
    `limiter` (checkin.ratelimit.DoorLimiter) is asked before each scan and told of each; a scan it blocks is
    not recorded (None in its place), and the device sends it again later.
    """
    results, admitted = [], []
    for request in requests:
        if limiter.blocks(device=request.device):
            results.append(None)
            continue
        checkin, admitted_ticket_id = _scan(door=door, volunteer=volunteer, request=request)
        limiter.record(checkin)
        results.append(checkin)
        if admitted_ticket_id is not None:
            admitted.append(admitted_ticket_id)
    if admitted:
        _announce(admitted)
    forget_door_counts(door.pk)  # committed: the next answer counts the door's movements afresh
    return results


def undo(*, door: Door, checkin_id: int, volunteer) -> CheckIn:
    """Mark an admission at `door` undone (the row stays, with who undid it and when); undoing twice is a no-op.

    Only the ticket's latest movement at the door can be undone, so "inside" stays what the rows say.
    """
    with transaction.atomic():
        ticket_id = (
            CheckIn.objects.filter(pk=checkin_id, door=door, successful=True, kind=Kind.ENTRY)
            .values_list("ticket_id", flat=True)
            .first()
        )
        if ticket_id is None:
            raise CheckInError("not_found", gettext("There is no admission to undo with this number at this door."))
        ticket = Ticket.objects.select_for_update(of=("self",)).select_related("order", "ticket_type").get(pk=ticket_id)
        checkin = CheckIn.objects.get(pk=checkin_id)
        checkin.ticket = ticket
        if checkin.undone_at is not None:
            return checkin
        stay = _current_stay(ticket=ticket, door=door)
        if not stay or stay[-1].pk != checkin.pk:
            raise CheckInError(
                "not_undoable", gettext("This admission was followed by an exit: it can no longer be undone.")
            )
        checkin.undone_at = timezone.now()
        checkin.undone_by = volunteer
        checkin.save(update_fields=["undone_at", "undone_by"])
        first = (
            CheckIn.objects.filter(ticket=ticket, successful=True, kind=Kind.ENTRY, undone_at__isnull=True)
            .order_by("scanned_at")
            .values_list("scanned_at", flat=True)
            .first()
        )
        # Written even when unchanged: the row's new version sends a scan that read the ticket before this undo
        # back to read it again (scan_query.insert_checkin).
        ticket.checked_in_at = first
        ticket.save(update_fields=["checked_in_at"])
    forget_door_counts(door.pk)  # committed: the next answer counts the door's movements afresh
    _announce([ticket.pk])
    return checkin


def _scan(*, door: Door, volunteer, request: ScanRequest) -> tuple[CheckIn, int | None]:
    """(the row, the id of a ticket newly admitted through the door or None)."""
    now = timezone.now()
    scanned_at = min(request.scanned_at, now) if request.offline and request.scanned_at else now

    def new_row() -> CheckIn:
        return CheckIn(
            event_id=door.event_id,
            door=door,
            kind=request.kind,
            method=request.method,
            device=request.device,
            nonce=request.nonce,
            volunteer=volunteer,
            offline=request.offline,
            scanned_at=scanned_at,
            created_at=now,
        )

    try:
        if request.ticket_id is None and not is_well_formed_secret(request.code):
            with _own_statements():
                return _record(new_row(), reason=Reason.INVALID), None  # not even a ticket's shape: no lookup
        if connection.vendor == "postgresql":
            for _attempt in range(UNLOCKED_ATTEMPTS):
                try:
                    with _own_statements():
                        return _decide(new_row(), door=door, request=request, lock=False)
                except _TicketMoved:
                    continue
        with transaction.atomic():
            return _decide(new_row(), door=door, request=request, lock=True)
    except IntegrityError:
        # The same (device, nonce) was recorded first, maybe a moment ago by a request running beside this one.
        first = (
            CheckIn.objects.select_related("ticket__order", "ticket__ticket_type", "previous__volunteer")
            .filter(device=request.device, nonce=request.nonce)
            .first()
        )
        if first is None:
            raise
        if first.door_id != door.pk:
            raise CheckInError(
                "nonce_reused", gettext("This device already sent a scan with this number at another door.")
            ) from None
        first.repeated = True
        return first, None


def _own_statements():
    """Outside a transaction, each statement commits on its own (no BEGIN and COMMIT to wait for); inside one (a
    caller's atomic block, the test suite's), a savepoint keeps a refused write (the nonce taken) from aborting
    the caller's transaction."""
    return transaction.atomic() if connection.in_atomic_block else contextlib.nullcontext()


def _decide(row: CheckIn, *, door: Door, request: ScanRequest, lock: bool) -> tuple[CheckIn, int | None]:
    ticket = read_ticket(door=door, code=request.code, ticket_id=request.ticket_id, lock=lock)
    if ticket is None:
        return _record(row, reason=Reason.UNKNOWN), None
    row, admitted_ticket_id = _decide_ticket(row, ticket=ticket, door=door, request=request)
    row.count_change = _count_change(row, ticket=ticket)
    return row, admitted_ticket_id


def _count_change(row: CheckIn, *, ticket: Ticket) -> tuple[int, int]:
    """What this scan changes in the door's (inside, checked in) counters, as checkin.counters.door_counts counts
    them: inside = entries (conflicts aside) - exits, checked in = tickets with a standing entry."""
    if not row.successful:
        return 0, 0
    if row.kind == Kind.EXIT:
        return -1, 0
    return (0 if row.conflict else 1), (0 if ticket.entered_before else 1)


def _decide_ticket(row: CheckIn, *, ticket: Ticket, door: Door, request: ScanRequest) -> tuple[CheckIn, int | None]:
    event = door.event
    if ticket.order.event_id != event.pk:
        if request.ticket_id is not None:  # an id from another event's search is no more than an unknown code
            return _record(row, reason=Reason.UNKNOWN), None
        return _record(row, reason=Reason.WRONG_EVENT), None  # another event's ticket is not this door's business
    row.ticket = ticket
    inside = ticket.last_kind == Kind.ENTRY
    if request.kind == Kind.EXIT:
        if not inside:
            return _record(row, reason=Reason.NOT_INSIDE), None
        return _record(row, reason="", moves=ticket), None
    if event.is_cancelled:
        return _record(row, reason=Reason.EVENT_CANCELLED), None
    reason = ticket_refusal(
        ticket_status=ticket.status,
        order_status=ticket.order.status,
        type_admitted=ticket.type_admitted,
        flagged=ticket.fan_flagged,
    )
    if reason:
        return _record(row, reason=reason), None
    if inside:
        if not request.offline or _let_in_by_device(ticket=ticket, door=door, device=request.device):
            # The admission to name in the sentence ("...at 19:03 by Alex").
            row.previous = ticket.last_movement
            return _record(row, reason=Reason.ALREADY_CHECKED_IN), None
        row.previous_id = ticket.last_pk
        row.conflict = True  # two devices let the same ticket in while offline: both stand, this one is flagged
    _record(row, reason="", moves=ticket, admits=True)
    return row, ticket.pk


def _standing(*, door: Door):
    """Movements that stand at the door: admitted entries and exits, not undone."""
    return CheckIn.objects.filter(door=door, successful=True, undone_at__isnull=True)


def _let_in_by_device(*, ticket: Ticket, door: Door, device: str) -> bool:
    """Whether one of the entries that have the ticket inside now was made by this device."""
    return any(movement.device == device for movement in _current_stay(ticket=ticket, door=door))


def _current_stay(*, ticket: Ticket, door: Door) -> list[CheckIn]:
    """The ticket's standing entries at the door since its last exit, oldest first: inside when not empty, and
    the last one is the admission to name in "already checked in"."""
    movements = _standing(door=door).filter(ticket=ticket).select_related("volunteer").order_by("scanned_at", "pk")
    stay = []
    for movement in movements:
        stay = [*stay, movement] if movement.kind == Kind.ENTRY else []
    return stay


def _record(row: CheckIn, *, reason: str, moves: Ticket | None = None, admits: bool = False) -> CheckIn:
    """Record the attempt; `moves`: the ticket a movement through the door (entry or exit) moves, `admits` for an
    entry (see scan_query.insert_checkin). Raises _TicketMoved when the ticket changed since it was read."""
    row.successful = not reason
    row.reason = reason
    if not insert_checkin(row, moves=moves, admits=admits):
        raise _TicketMoved
    row.repeated = False
    return row


def _announce(ticket_ids: list[int]) -> None:
    """Tell the apps that follow attendance, once the admissions are committed."""
    transaction.on_commit(lambda: attendance_changed.send(sender=CheckIn, ticket_ids=sorted(set(ticket_ids))))
