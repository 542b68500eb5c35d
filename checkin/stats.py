"""Door stats of an event for its organisers: who came in, who is inside, refusals, conflicts, arrivals over time.

Everything comes from a fixed handful of queries (the doors, their ticket types, expected tickets by type, the
event's scans, and the conflicting admissions when there are some), then is counted in Python, so the page costs
the same number of queries with 10 or 1,000 check-ins. Arrivals are bucketed from the scan times in Python too,
which reads the same on SQLite and PostgreSQL and needs no time-zone support from the database.
"""

import dataclasses
import datetime as dt
from collections import Counter

from django.db.models import Count
from django.utils import timezone

from attendees.models import Order, Ticket
from checkin.models import CheckIn, Door
from checkin.services.doors import doors_for
from events.models import Event

BUCKET = dt.timedelta(minutes=5)
# Twelve hours of five-minute bars: a long day; older arrivals are left off the chart (not the counts).
MAX_BUCKETS = 144


@dataclasses.dataclass
class DoorCounts:
    door: Door | None  # None: the whole event
    expected: int = 0
    checked_in: int = 0
    inside: int = 0

    @property
    def percent(self) -> int:
        return round(100 * self.checked_in / self.expected) if self.expected else 0


@dataclasses.dataclass
class Refusal:
    reason: str
    label: str
    count: int


@dataclasses.dataclass
class ConflictScan:
    scanned_at: dt.datetime  # in the event's time zone
    device: str
    door: str
    volunteer: str
    offline: bool
    conflict: bool


@dataclasses.dataclass
class Conflict:
    holder: str
    ticket_type: str
    scans: list[ConflictScan]


@dataclasses.dataclass
class Bucket:
    start: dt.datetime  # in the event's time zone
    count: int


@dataclasses.dataclass
class DoorStats:
    event: Event
    door: Door | None  # the door the page looks at, or None for every door
    doors: list[DoorCounts]  # one per door of the event, in order
    total: DoorCounts  # the event (or the chosen door)
    refusals: list[Refusal]
    conflicts: list[Conflict]
    arrivals: list[Bucket]
    truncated: bool  # arrivals older than the chart's window were left off
    scans: int
    last_scan_at: dt.datetime | None

    @property
    def refused(self) -> int:
        return sum(refusal.count for refusal in self.refusals)


@dataclasses.dataclass
class _Scan:
    pk: int
    ticket_id: int | None
    door_id: int
    kind: str
    successful: bool
    reason: str
    scanned_at: dt.datetime
    undone: bool
    conflict: bool


@dataclasses.dataclass
class DoorOverview:
    door: Door
    ticket_types: list[str]  # names of the ticket types it admits; empty: every type
    scans: int


def doors_overview(*, event: Event) -> list[DoorOverview]:
    """The event's doors in order (the default one made if need be), with their ticket types and scans recorded."""
    doors = doors_for(event=event)
    names: dict[int, list[str]] = {door.pk: [] for door in doors}
    for door_id, name in (
        Door.ticket_types.through.objects.filter(door__event=event)
        .order_by("tickettype__position", "tickettype_id")
        .values_list("door_id", "tickettype__name")
    ):
        names[door_id].append(name)
    scans = dict(
        CheckIn.objects.filter(event=event).values("door_id").annotate(n=Count("pk")).values_list("door_id", "n")
    )
    return [DoorOverview(door=door, ticket_types=names[door.pk], scans=scans.get(door.pk, 0)) for door in doors]


def door_stats(*, event: Event, door_id: int | None = None, now: dt.datetime | None = None) -> DoorStats:
    """The event's door stats, for the door with this id, or for every door (door_id None or not of this event)."""
    now = now or timezone.now()
    doors = doors_for(event=event)
    door = next((each for each in doors if each.pk == door_id), None)
    limits: dict[int, set[int]] = {d.pk: set() for d in doors}
    for door_id, type_id in Door.ticket_types.through.objects.filter(door__event=event).values_list(
        "door_id", "tickettype_id"
    ):
        limits[door_id].add(type_id)
    expected_by_type = dict(
        Ticket.objects.filter(order__event=event, status=Ticket.Status.VALID, order__status=Order.Status.CONFIRMED)
        .values("ticket_type_id")
        .annotate(n=Count("pk"))
        .values_list("ticket_type_id", "n")
    )
    scans = [
        _Scan(*row[:7], undone=row[7] is not None, conflict=row[8])
        for row in CheckIn.objects.filter(event=event)
        .order_by("scanned_at", "pk")
        .values_list(
            "pk", "ticket_id", "door_id", "kind", "successful", "reason", "scanned_at", "undone_at", "conflict"
        )
    ]

    per_door = []
    for each in doors:
        types = limits[each.pk]
        expected = sum(n for type_id, n in expected_by_type.items() if not types or type_id in types)
        per_door.append(_counts(each, expected, [s for s in scans if s.door_id == each.pk]))
    if door is None:
        total = _counts(None, sum(expected_by_type.values()), scans)
        scoped = scans
    else:
        total = next(counts for counts in per_door if counts.door.pk == door.pk)
        scoped = [s for s in scans if s.door_id == door.pk]

    arrivals, truncated = _arrivals(event, scoped, now=now)
    return DoorStats(
        event=event,
        door=door,
        doors=per_door,
        total=total,
        refusals=_refusals(scoped),
        conflicts=_conflicts(event, {s.ticket_id for s in scoped if s.conflict and not s.undone}),
        arrivals=arrivals,
        truncated=truncated,
        scans=len(scoped),
        last_scan_at=timezone.localtime(scoped[-1].scanned_at, event.tz) if scoped else None,
    )


def _admissions(scans: list[_Scan]) -> list[_Scan]:
    """Scans that let someone in or out and still stand (undone ones are kept on record, but do not count)."""
    return [s for s in scans if s.successful and not s.undone and s.ticket_id is not None]


def _counts(door: Door | None, expected: int, scans: list[_Scan]) -> DoorCounts:
    admissions = _admissions(scans)
    checked_in = {s.ticket_id for s in admissions if s.kind == CheckIn.Kind.ENTRY}
    last_kind = {}
    for scan in admissions:  # in scan order: the last one says whether the holder is in or out
        last_kind[scan.ticket_id] = scan.kind
    inside = sum(1 for kind in last_kind.values() if kind == CheckIn.Kind.ENTRY)
    return DoorCounts(door=door, expected=expected, checked_in=len(checked_in), inside=inside)


def _refusals(scans: list[_Scan]) -> list[Refusal]:
    counted = Counter(s.reason for s in scans if not s.successful)
    labels = dict(CheckIn.Reason.choices)
    return [
        Refusal(reason=reason, label=str(labels.get(reason, reason)), count=count)
        for reason, count in sorted(counted.items(), key=lambda item: (-item[1], item[0]))
    ]


def _conflicts(event: Event, ticket_ids: set[int]) -> list[Conflict]:
    """Tickets admitted twice (on two devices while offline), with every admission standing for them."""
    if not ticket_ids:
        return []
    rows = (
        CheckIn.objects.filter(
            event=event, ticket_id__in=ticket_ids, successful=True, kind=CheckIn.Kind.ENTRY, undone_at=None
        )
        .select_related("ticket__ticket_type", "door", "volunteer")
        .order_by("ticket__holder_name", "ticket_id", "scanned_at", "pk")
    )
    conflicts: dict[int, Conflict] = {}
    for row in rows:
        conflict = conflicts.get(row.ticket_id)
        if conflict is None:
            conflict = conflicts[row.ticket_id] = Conflict(
                holder=row.ticket.holder_name, ticket_type=row.ticket.ticket_type.name, scans=[]
            )
        volunteer = row.volunteer
        conflict.scans.append(
            ConflictScan(
                scanned_at=timezone.localtime(row.scanned_at, event.tz),
                device=row.device,
                door=row.door.name,
                volunteer=(volunteer.get_full_name() or volunteer.email) if volunteer else "",
                offline=row.offline,
                conflict=row.conflict,
            )
        )
    return list(conflicts.values())


def _bucket_of(moment: dt.datetime) -> int:
    """The five-minute slot of a moment, counted from the epoch: every current UTC offset is a multiple of five
    minutes, so a slot starts on :00, :05... in any time zone, and daylight-saving changes cannot shift it."""
    return int(moment.timestamp()) // int(BUCKET.total_seconds())


def _arrivals(event: Event, scans: list[_Scan], *, now: dt.datetime) -> tuple[list[Bucket], bool]:
    """First admissions per five minutes, from the first one to the last (or to now while the event is on), empty
    slots included: someone coming back in after going out, or let in twice (a conflict), arrives only once."""
    arrived: set[int] = set()
    counted = Counter()
    for scan in _admissions(scans):
        if scan.kind == CheckIn.Kind.ENTRY and not scan.conflict and scan.ticket_id not in arrived:
            arrived.add(scan.ticket_id)
            counted[_bucket_of(scan.scanned_at)] += 1
    if not counted:
        return [], False
    first, last = min(counted), max(counted)
    if event.start - dt.timedelta(hours=12) <= now <= event.end:
        last = max(last, _bucket_of(now))
    truncated = last - first + 1 > MAX_BUCKETS
    if truncated:
        first = last - MAX_BUCKETS + 1
    seconds = int(BUCKET.total_seconds())
    return [
        Bucket(start=dt.datetime.fromtimestamp(slot * seconds, tz=event.tz), count=counted.get(slot, 0))
        for slot in range(first, last + 1)
    ], truncated


@dataclasses.dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    count: int
    start: dt.datetime
    end: dt.datetime


@dataclasses.dataclass
class Tick:
    position: float
    label: str


@dataclasses.dataclass
class Chart:
    width: int
    height: int
    left: int
    top: int
    bottom: int  # y of the x axis
    right: int
    bars: list[Bar]
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    peak: int


def _nice_step(peak: int) -> int:
    """A step of 1, 2 or 5 times a power of ten that cuts 0..peak into at most five ticks."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if peak / (step * factor) <= 5:
                return step * factor
        step *= 10


def arrivals_chart(arrivals: list[Bucket], *, width: int = 720, height: int = 240) -> Chart | None:
    """Geometry of the arrivals bar chart, drawn as SVG by the template (no script, no third party)."""
    if not arrivals:
        return None
    left, right, top, bottom = 40, width - 8, 12, height - 28
    peak = max(bucket.count for bucket in arrivals)
    step = _nice_step(max(peak, 1))
    ceiling = step * -(-max(peak, 1) // step)  # the first tick at or above the peak
    slot = (right - left) / len(arrivals)
    gap = min(2.0, slot / 5)
    bars = []
    for index, bucket in enumerate(arrivals):
        bar_height = (bottom - top) * bucket.count / ceiling
        bars.append(
            Bar(
                x=round(left + index * slot + gap / 2, 2),
                y=round(bottom - bar_height, 2),
                width=round(slot - gap, 2),
                height=round(bar_height, 2),
                count=bucket.count,
                start=bucket.start,
                end=bucket.start + BUCKET,
            )
        )
    y_ticks = [
        Tick(position=round(bottom - (bottom - top) * value / ceiling, 2), label=str(value))
        for value in range(0, ceiling + 1, step)
    ]
    # A time label every 5, 15, 30, 60 or 120 minutes, the first that keeps them at least 60 units apart.
    every = next((n for n in (1, 3, 6, 12, 24) if n * slot >= 60), 24)
    x_ticks = [
        Tick(position=round(left + index * slot, 2), label=bucket.start.strftime("%H:%M"))
        for index, bucket in enumerate(arrivals)
        if (bucket.start.hour * 60 + bucket.start.minute) // 5 % every == 0
    ]
    return Chart(
        width=width,
        height=height,
        left=left,
        top=top,
        bottom=bottom,
        right=right,
        bars=bars,
        y_ticks=y_ticks,
        x_ticks=x_ticks,
        peak=peak,
    )
