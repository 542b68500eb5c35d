"""A community's venues. A venue's address is part of its events' calendar entries."""

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from events.models import Community, Event, Venue
from events.services._common import apply_changes, check_url, optional_text, require_text
from events.services.errors import EventError

EDITABLE_FIELDS = frozenset({"name", "address", "city", "country", "map_url"})


def _clean_fields(fields: dict) -> dict:
    cleaned = {}
    for name, value in fields.items():
        if name == "name":
            cleaned[name] = require_text(
                value, field="name", code="name_required", message=_("Give the venue a name."), max_length=120
            )
        elif name == "address":
            cleaned[name] = optional_text(value, field="address", max_length=1000)
        elif name in ("city", "country"):
            cleaned[name] = optional_text(value, field=name, max_length=80)
        elif name == "map_url":
            cleaned[name] = check_url(value, field="map_url")
        else:  # pragma: no cover - a programming error, not bad input
            raise TypeError(f"unexpected venue field {name!r}")
    return cleaned


@transaction.atomic
def create_venue(
    *, community: Community, name: str, address: str = "", city: str = "", country: str = "", map_url: str = ""
) -> Venue:
    fields = _clean_fields({"name": name, "address": address, "city": city, "country": country, "map_url": map_url})
    return Venue.objects.create(community=community, updated_at=timezone.now(), **fields)


@transaction.atomic
def update_venue(*, venue: Venue, **fields) -> Venue:
    """Change a venue; its upcoming events move to a new calendar SEQUENCE since their place changed."""
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"update_venue() got unexpected fields {sorted(unknown)}")
    cleaned = _clean_fields(fields)
    locked = Venue.objects.select_for_update().get(pk=venue.pk)
    changed = apply_changes(locked, cleaned)
    now = timezone.now()
    locked.updated_at = now
    locked.save(update_fields=[*changed, "updated_at"])
    if changed:
        Event.objects.filter(venue=locked, end__gte=now).update(sequence=F("sequence") + 1, updated_at=now)
    return locked


@transaction.atomic
def delete_venue(*, venue: Venue) -> None:
    """Delete a venue that no upcoming event uses; past and cancelled events simply lose their venue.

    Refusing while upcoming events use it keeps attendees from finding an event without a place.
    """
    locked = Venue.objects.select_for_update().filter(pk=venue.pk).first()
    if locked is None:
        return
    now = timezone.now()
    in_use = Event.objects.filter(venue=locked, end__gte=now).exclude(status=Event.Status.CANCELLED).count()
    if in_use:
        raise EventError(
            "venue_in_use",
            ngettext(
                "%(count)d upcoming event takes place here: give it another venue first.",
                "%(count)d upcoming events take place here: give them another venue first.",
                in_use,
            )
            % {"count": in_use},
        )
    Event.objects.filter(venue=locked).update(venue=None, sequence=F("sequence") + 1, updated_at=now)
    locked.delete()
