"""Demo check-ins for `manage.py load_demo`: what the doors of the demo's past events recorded.

Check-ins are what devices report, so the demo writes them as a device would have: arrivals spread over the first
hour after the doors opened (most in the first twenty minutes), on two phones, a few refusals (an unknown code, a
ticket scanned twice, a cancelled ticket), a couple of people going out and back in, and at one event an offline
conflict. About one ticket in six is a no-show. Each scan is keyed by its (device, nonce), as the real protocol
keys them, so a second run changes nothing, and a run on a later day moves the scans with their event.
"""

import dataclasses
import datetime as dt
import random

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from attendees.models import Order, Ticket
from attendees.signals import attendance_changed
from checkin.models import CheckIn, Door
from checkin.services.doors import create_door, doors_for
from events.demo import ORGANISER_EMAIL, VOLUNTEER_EMAIL
from events.models import Community, Event

DEVICES = ("demo-phone-camille", "demo-phone-alex")
SHOW_RATE = 0.83
# The event whose two phones both let the same fan in while the venue's Wi-Fi was down.
CONFLICT_EVENT = "build-night-40"
# A second door where students show their card, so the doors page shows a door limited to one ticket type.
EXTRA_DOORS = {"maintainers-day": ("Student desk", "Student")}


@dataclasses.dataclass
class CheckinsResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    events: int = 0


@dataclasses.dataclass
class _Planned:
    nonce: str
    device: str
    at: dt.datetime
    ticket: Ticket | None
    kind: str = CheckIn.Kind.ENTRY
    method: str = CheckIn.Method.CAMERA
    successful: bool = True
    reason: str = ""
    offline: bool = False
    conflict: bool = False


def load(*, communities: list[Community], now: dt.datetime | None = None) -> CheckinsResult:
    """Record the door scans of these communities' past events that have registrations (once)."""
    now = now or timezone.now()
    result = CheckinsResult()
    users = {user.email: user for user in get_user_model().objects.filter(email__in=[ORGANISER_EMAIL, VOLUNTEER_EMAIL])}
    volunteers = {DEVICES[0]: users.get(VOLUNTEER_EMAIL), DEVICES[1]: users.get(ORGANISER_EMAIL)}
    events = Event.objects.filter(
        community__in=communities, end__lt=now, status=Event.Status.PUBLISHED, orders__isnull=False
    ).distinct()
    for slug, (name, type_name) in EXTRA_DOORS.items():
        _extra_door(communities, slug=slug, name=name, type_name=type_name)
    touched: set[int] = set()
    for event in events.select_related("community").order_by("start", "pk"):
        with transaction.atomic():
            door = doors_for(event=event)[0]
            for planned in _plan(event):
                _record(result, event, door, planned, volunteer=volunteers[planned.device], touched=touched)
        result.events += 1
    if touched and (result.created or result.updated):
        ids = sorted(touched)
        transaction.on_commit(lambda: attendance_changed.send(sender=CheckIn, ticket_ids=ids))
    return result


def _extra_door(communities, *, slug: str, name: str, type_name: str) -> None:
    event = Event.objects.filter(community__in=communities, slug=slug).select_related("community").first()
    if event is None or Door.objects.filter(event=event, name=name).exists():
        return
    doors_for(event=event)  # the main door first
    create_door(event=event, name=name, ticket_types=event.ticket_types.filter(name=type_name))


def _plan(event: Event) -> list[_Planned]:
    """The event's scans, the same on every run: its tickets shuffled with a seed of its own."""
    rng = random.Random(event.slug)
    tickets = list(Ticket.objects.filter(order__event=event).select_related("order").order_by("pk"))
    valid = [t for t in tickets if t.status == Ticket.Status.VALID and t.order.status == Order.Status.CONFIRMED]
    cancelled = [t for t in tickets if t not in valid]
    rng.shuffle(valid)
    coming = valid[: round(len(valid) * SHOW_RATE)]
    plan = []

    def scan(n: int, minutes: float, ticket: Ticket | None, **kwargs) -> _Planned:
        device = kwargs.pop("device", DEVICES[n % 2])
        planned = _Planned(
            nonce=f"demo-{event.slug}-{n}",
            device=device,
            at=(event.start + dt.timedelta(minutes=minutes)).replace(microsecond=0),
            ticket=ticket,
            **kwargs,
        )
        plan.append(planned)
        return planned

    for n, ticket in enumerate(coming):
        # Most people come in the first twenty minutes; a few are early, a few very late.
        minutes = min(max(rng.triangular(-4, 70, 12), -5), 75)
        method = CheckIn.Method.SEARCH if n % 17 == 5 else CheckIn.Method.CAMERA
        scan(n, minutes, ticket, method=method)
    base = len(coming)
    if coming:
        first = plan[0]
        scan(base, (first.at - event.start).total_seconds() / 60 + 0.7, first.ticket, successful=False,
             reason=CheckIn.Reason.ALREADY_CHECKED_IN)  # fmt: skip
    scan(base + 1, 9.5, None, successful=False, reason=CheckIn.Reason.UNKNOWN, method=CheckIn.Method.SCANNER)
    if cancelled:
        scan(base + 2, 14.2, cancelled[0], successful=False, reason=CheckIn.Reason.CANCELLED)
    if len(coming) > 3:
        late = max(plan[:len(coming)], key=lambda p: p.at)  # fmt: skip
        out_at = (late.at - event.start).total_seconds() / 60 + 25
        scan(base + 3, out_at, coming[1], kind=CheckIn.Kind.EXIT)
        scan(base + 4, out_at + 12, coming[1])
        scan(base + 5, out_at + 5, coming[2], kind=CheckIn.Kind.EXIT)
    if event.slug == CONFLICT_EVENT and len(coming) > 4:
        ticket = coming[4]
        own = next(p for p in plan if p.ticket == ticket and p.successful)
        own.offline = True
        scan(base + 6, (own.at - event.start).total_seconds() / 60 + 2.5, ticket, offline=True, conflict=True,
             device=DEVICES[1] if own.device == DEVICES[0] else DEVICES[0])  # fmt: skip
    return plan


def _record(result: CheckinsResult, event: Event, door: Door, planned: _Planned, *, volunteer, touched: set) -> None:
    values = {
        "event": event,
        "door": door,
        "ticket": planned.ticket,
        "kind": planned.kind,
        "method": planned.method,
        "successful": planned.successful,
        "reason": planned.reason,
        "scanned_at": planned.at,
        # An offline scan reaches the server when the network is back, a few minutes later.
        "created_at": planned.at + dt.timedelta(minutes=4 if planned.offline else 0, seconds=1),
        "volunteer": volunteer,
        "offline": planned.offline,
        "conflict": planned.conflict,
    }
    checkin = CheckIn.objects.filter(device=planned.device, nonce=planned.nonce).first()
    if checkin is None:
        CheckIn.objects.create(device=planned.device, nonce=planned.nonce, **values)
        result.created += 1
    else:
        changed = [
            name
            for name, value in values.items()
            if getattr(checkin, checkin._meta.get_field(name).attname) != getattr(value, "pk", value)
        ]
        if not changed:
            result.unchanged += 1
            return
        for name in changed:
            setattr(checkin, name, values[name])
        checkin.save(update_fields=changed)
        result.updated += 1
    if planned.ticket is not None and planned.successful and planned.kind == CheckIn.Kind.ENTRY:
        ticket = planned.ticket
        first_in = ticket.checked_in_at if ticket.pk in touched else None
        if first_in is None or planned.at < first_in:
            first_in = planned.at
        if ticket.checked_in_at != first_in:
            ticket.checked_in_at = first_in
            ticket.save(update_fields=["checked_in_at"])
        touched.add(ticket.pk)
