"""Doors of an event: every event has at least one, "Main door", made the first time it is needed.

Organisers add, rename, limit to ticket types, reorder and delete doors here; each write is one transaction
that raises DoorError with a translated message when it refuses.
"""

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from checkin.models import CheckIn, Door
from events.models import Event, TicketType
from events.services.errors import DomainError
from events.services.ordering import move_one_place

NAME_MAX_LENGTH = Door._meta.get_field("name").max_length
# A door list is a handful of entrances; more is a mistake (or a script), and the doors page would be unusable.
MAX_DOORS = 20


class DoorError(DomainError):
    """A refusal of a door service: codes name_required, name_too_long, name_taken, unknown_ticket_type,
    too_many_doors, last_door, has_checkins, direction_invalid."""


def doors_for(*, event: Event) -> list[Door]:
    """The event's doors in order, making the default "Main door" (in the event community's language) if none."""
    doors = list(Door.objects.filter(event=event).order_by("position", "pk"))
    if doors:
        return doors
    with translation.override(event.community.language):
        name = gettext("Main door")
    try:
        with transaction.atomic():
            door = Door.objects.create(event=event, name=name)
    except IntegrityError:  # made at the same moment by another request
        return list(Door.objects.filter(event=event).order_by("position", "pk"))
    return [door]


def _clean_name(name) -> str:
    name = " ".join(name.split()) if isinstance(name, str) else ""
    if not name:
        raise DoorError("name_required", _("Give the door a name, e.g. “Main door” or “Speakers”."), field="name")
    if len(name) > NAME_MAX_LENGTH:
        raise DoorError(
            "name_too_long",
            _("Keep the name under %(max)d characters.") % {"max": NAME_MAX_LENGTH + 1},
            field="name",
        )
    return name


def _check_name_free(event: Event, name: str, *, door: Door | None = None) -> None:
    others = Door.objects.filter(event=event, name__iexact=name)
    if door is not None:
        others = others.exclude(pk=door.pk)
    if others.exists():
        raise DoorError(
            "name_taken", _("This event already has a door named “%(name)s”.") % {"name": name}, field="name"
        )


def _clean_ticket_types(event: Event, ticket_type_ids) -> list[TicketType]:
    """The event's ticket types with these ids; an id of another event's ticket type (or garbage) is refused."""
    ids = set()
    for value in ticket_type_ids or ():
        try:
            ids.add(int(getattr(value, "pk", value)))
        except (TypeError, ValueError):
            ids.add(-1)
    if not ids:
        return []
    types = list(TicketType.objects.filter(event=event, pk__in=ids))
    if len(types) != len(ids):
        raise DoorError(
            "unknown_ticket_type", _("Choose ticket types of this event from the list."), field="ticket_types"
        )
    return types


def _lock_event(event: Event) -> None:
    """One writer of an event's doors at a time: positions and the "at least one door" rule stay right."""
    Event.objects.select_for_update().filter(pk=event.pk).first()


def create_door(*, event: Event, name: str, ticket_types=()) -> Door:
    """Add a door at the end of the event's list, admitting `ticket_types` only (every type when empty)."""
    name = _clean_name(name)
    with transaction.atomic():
        _lock_event(event)
        if Door.objects.filter(event=event).count() >= MAX_DOORS:
            raise DoorError("too_many_doors", _("An event can have at most %(max)d doors.") % {"max": MAX_DOORS})
        _check_name_free(event, name)
        types = _clean_ticket_types(event, ticket_types)
        last = Door.objects.filter(event=event).aggregate(n=Max("position"))["n"]
        door = Door.objects.create(
            event=event, name=name, position=0 if last is None else last + 1, created_at=timezone.now()
        )
        door.ticket_types.set(types)
    return door


def update_door(*, door: Door, name: str, ticket_types=()) -> Door:
    """Rename the door and choose the ticket types it admits (every type when empty).

    Check-ins already made there stay as they were; the next scans follow the new rule.
    """
    name = _clean_name(name)
    with transaction.atomic():
        _lock_event(door.event)
        _check_name_free(door.event, name, door=door)
        types = _clean_ticket_types(door.event, ticket_types)
        if door.name != name:
            door.name = name
            door.save(update_fields=["name"])
        door.ticket_types.set(types)
    return door


def delete_door(*, door: Door) -> None:
    """Delete a door nobody was scanned at; the last door of an event stays (volunteers need one)."""
    with transaction.atomic():
        _lock_event(door.event)
        if not Door.objects.filter(event_id=door.event_id).exclude(pk=door.pk).exists():
            raise DoorError(
                "last_door", _("An event needs at least one door: add another one before deleting this one.")
            )
        scans = CheckIn.objects.filter(door=door).count()
        if scans:
            raise DoorError(
                "has_checkins",
                translation.ngettext(
                    "“%(name)s” has %(count)d scan recorded: it stays, so the record of who came in stays too.",
                    "“%(name)s” has %(count)d scans recorded: it stays, so the record of who came in stays too.",
                    scans,
                )
                % {"name": door.name, "count": scans},
            )
        door.delete()


def move_door(*, door: Door, direction: str) -> None:
    """Swap the door with the one before ("up") or after ("down") it; at either end nothing moves."""
    if direction not in ("up", "down"):
        raise DoorError("direction_invalid", _("Move the door up or down."))
    with transaction.atomic():
        _lock_event(door.event)
        move_one_place(Door.objects.filter(event_id=door.event_id), pk=door.pk, direction=direction)
