"""The door's counters shown with every scan answer: inside now, checked in, expected.

Kept in the cache rather than counted on every scan: counting a door's movements costs more with every
check-in. Counted afresh once in a while, and then after the answer is sent when the view allows it: the
volunteer waiting for "Welcome" should not wait for a count of the whole door (bench/scan.py prints what it costs).
"""

import time

from django.core.cache import cache
from django.db.models import Count, Q

from checkin.models import CheckIn, Door
from checkin.selectors import expected_tickets

Kind = CheckIn.Kind

# How often the "expected" counter is counted afresh: it moves only with registrations and cancellations.
EXPECTED_RECOUNT_SECONDS = 15
# How often the "inside" and "checked in" counters are counted afresh from the door's rows (see door_counts).
MOVEMENTS_RECOUNT_SECONDS = 2
# How long a count is kept at all: older than this (a door idle for minutes), the next answer counts at once.
KEPT_SECONDS = 300


def door_counts(*, door: Door, change: tuple[int, int] | None = None, later: list | None = None) -> dict:
    """Inside now, checked in (people let in at least once) and expected, at this door.

    Inside = entries - exits among standing movements: an exit is only recorded for someone inside and an entry
    only for someone outside, except the offline conflicts, which let in someone already in and are left out.

    Counting the door's movements costs more with every check-in, so the two counters are kept in the cache and
    counted afresh from the rows when older than MOVEMENTS_RECOUNT_SECONDS; a scan adds its own `change` (inside,
    checked in: see checkin.services.checkins) to them, so its answer includes it. What a scan on another worker
    changed meanwhile shows at the next recount when the cache is each worker's memory, at once with Redis
    (where two scans at the same instant may still lose one's change until the recount). Undo and offline sync
    drop the counters (forget_door_counts). `expected` changes only with registrations, so it is counted afresh
    every EXPECTED_RECOUNT_SECONDS.

    `later`: a list the view runs once its answer is sent (DoorAnswer). A due recount is put there, and this
    answer gives the kept counters; without it, or with nothing kept (a worker's first answer, after an undo or
    an offline sync, a door idle for KEPT_SECONDS), the counting is done at once.
    """
    now = time.time()
    movements = cache.get(_movements_key(door.pk))
    if movements is None or (later is None and _due(movements, now, MOVEMENTS_RECOUNT_SECONDS)):
        movements = _count_movements(door)  # after the scan's commit: its own row is in
    else:
        if change is not None and change != (0, 0):
            movements = {
                **movements,
                "inside": max(movements["inside"] + change[0], 0),
                "checked_in": movements["checked_in"] + change[1],
            }
            cache.set(_movements_key(door.pk), movements, KEPT_SECONDS)
        if _due(movements, now, MOVEMENTS_RECOUNT_SECONDS):
            later.append(lambda: _count_movements(door))
    expected = cache.get(_expected_key(door.pk))
    if expected is None or (later is None and _due(expected, now, EXPECTED_RECOUNT_SECONDS)):
        expected = _count_expected(door)
    elif _due(expected, now, EXPECTED_RECOUNT_SECONDS):
        later.append(lambda: _count_expected(door))
    return {"inside": movements["inside"], "checked_in": movements["checked_in"], "expected": expected["expected"]}


def _due(kept: dict, now: float, seconds: float) -> bool:
    """Whether a kept count is older than `seconds` (or from a clock that has gone back)."""
    return not 0 <= now - kept["counted"] < seconds


def _movements_key(door_id: int) -> str:
    return f"checkin:movements:{door_id}"


def _expected_key(door_id: int) -> str:
    return f"checkin:expected:{door_id}"


def forget_door_counts(door_id: int) -> None:
    """Drop a door's kept counters, after a change a scan's own `change` does not describe (undo, offline sync)."""
    cache.delete(_movements_key(door_id))


def _count_movements(door: Door) -> dict:
    """Count the door's standing movements from its rows, and keep the count."""
    totals = CheckIn.objects.filter(door=door, successful=True, undone_at__isnull=True).aggregate(
        entries=Count("pk", filter=Q(kind=Kind.ENTRY, conflict=False)),
        exits=Count("pk", filter=Q(kind=Kind.EXIT)),
        checked_in=Count("ticket_id", distinct=True, filter=Q(kind=Kind.ENTRY)),
    )
    counted = {
        "counted": time.time(),
        "inside": max(totals["entries"] - totals["exits"], 0),
        "checked_in": totals["checked_in"],
    }
    cache.set(_movements_key(door.pk), counted, KEPT_SECONDS)
    return counted


def _count_expected(door: Door) -> dict:
    """Count the tickets the door expects, and keep the count."""
    counted = {"counted": time.time(), "expected": expected_tickets(door).count()}
    cache.set(_expected_key(door.pk), counted, KEPT_SECONDS)
    return counted
