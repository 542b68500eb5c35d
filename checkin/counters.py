"""The door's counters shown with every scan answer: inside now, checked in, expected.

Kept in the cache rather than counted on every scan: counting a door's movements costs more with every
check-in (bench/scan.py).
"""

import time

from django.core.cache import cache
from django.db.models import Count, Q

from checkin.models import CheckIn, Door
from checkin.selectors import expected_tickets

Kind = CheckIn.Kind

# How old the "expected" counter of the scan answers may be: it moves only with registrations and cancellations.
EXPECTED_CACHE_SECONDS = 15
# How often the "inside" and "checked in" counters are counted afresh from the door's rows (see door_counts).
MOVEMENTS_RECOUNT_SECONDS = 2


def door_counts(*, door: Door, change: tuple[int, int] | None = None) -> dict:
    """Inside now, checked in (people let in at least once) and expected, at this door.

    Inside = entries - exits among standing movements: an exit is only recorded for someone inside and an entry
    only for someone outside, except the offline conflicts, which let in someone already in and are left out.

    Counting the door's movements costs more with every check-in, so the two counters are kept in the cache and
    counted afresh from the rows at most every MOVEMENTS_RECOUNT_SECONDS; a scan adds its own `change` (inside,
    checked in: see checkin.services.checkins) to them, so its answer includes it. What a scan on another worker
    changed meanwhile shows at the next recount when the cache is each worker's memory, at once with Redis
    (where two scans at the same instant may still lose one's change until the recount). Undo and offline sync
    drop the counters (forget_door_counts): the next answer recounts. `expected` changes only with
    registrations, so it is counted every EXPECTED_CACHE_SECONDS.
    """
    key = f"checkin:movements:{door.pk}"
    kept = cache.get(key)
    now = time.time()
    if kept is None or not 0 <= now - kept["counted"] < MOVEMENTS_RECOUNT_SECONDS:
        # Counted after the scan's commit: its own row is in.
        kept = {"counted": now, **_movements_counted(door)}
        cache.set(key, kept, MOVEMENTS_RECOUNT_SECONDS * 2)
    elif change is not None and change != (0, 0):
        kept = {**kept, "inside": max(kept["inside"] + change[0], 0), "checked_in": kept["checked_in"] + change[1]}
        cache.set(key, kept, MOVEMENTS_RECOUNT_SECONDS * 2)
    expected_key = f"checkin:expected:{door.pk}"
    expected = cache.get(expected_key)
    if expected is None:
        expected = expected_tickets(door).count()
        cache.set(expected_key, expected, EXPECTED_CACHE_SECONDS)
    return {"inside": kept["inside"], "checked_in": kept["checked_in"], "expected": expected}


def forget_door_counts(door_id: int) -> None:
    """Drop a door's kept counters, after a change a scan's own `change` does not describe (undo, offline sync)."""
    cache.delete(f"checkin:movements:{door_id}")


def _movements_counted(door: Door) -> dict:
    totals = CheckIn.objects.filter(door=door, successful=True, undone_at__isnull=True).aggregate(
        entries=Count("pk", filter=Q(kind=Kind.ENTRY, conflict=False)),
        exits=Count("pk", filter=Q(kind=Kind.EXIT)),
        checked_in=Count("ticket_id", distinct=True, filter=Q(kind=Kind.ENTRY)),
    )
    return {"inside": max(totals["entries"] - totals["exits"], 0), "checked_in": totals["checked_in"]}
