"""Events: creation, changes and the draft -> published -> cancelled life cycle."""

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from events import signals
from events.models import Community, Event, TicketType, Venue
from events.services._common import (
    apply_changes,
    check_aware,
    check_slug,
    check_time_zone,
    check_url,
    free_slug,
    optional_text,
    require_text,
)
from events.services.errors import EventError

RESERVED_EVENT_SLUGS = frozenset({"new"})
# Registration settings, read by attendees.services.
REGISTRATION_SETTINGS = (
    "approval_required", "waiting_list_enabled", "claim_window_hours", "cancellation_cutoff_hours", "refund_policy",
    "max_tickets_per_order",
)  # fmt: skip
# The model fields' validators, for values that do not come through a form.
SETTING_RANGES = {
    "claim_window_hours": (1, 168),
    "cancellation_cutoff_hours": (0, 720),
    "max_tickets_per_order": (1, 50),
}
SLUG_MAX_LENGTH = Event._meta.get_field("slug").max_length
EDITABLE_FIELDS = frozenset(
    {
        "title", "slug", "summary", "description", "cover", "time_zone", "start", "end", "venue", "online_url",
        "capacity", "visibility", "registration_opens_at", "registration_closes_at", *REGISTRATION_SETTINGS,
    }
)  # fmt: skip
# What attendees see in their calendar: a change to one of these raises the event's SEQUENCE.
CALENDAR_FIELDS = frozenset(
    {"title", "summary", "description", "start", "end", "time_zone", "venue", "online_url", "status"}
)


def _slug_taken(community: Community, slug: str, *, exclude_pk=None) -> bool:
    return Event.objects.filter(community=community, slug=slug).exclude(pk=exclude_pk).exists()


def suggest_event_slug(*, community: Community, title: str, exclude_pk=None) -> str:
    return free_slug(
        title,
        taken=lambda s: _slug_taken(community, s, exclude_pk=exclude_pk),
        reserved=RESERVED_EVENT_SLUGS,
        max_length=SLUG_MAX_LENGTH,
        fallback="event",
    )


def _slug_taken_error(community: Community, slug: str, *, exclude_pk=None) -> EventError:
    return EventError(
        "slug_taken",
        _("Another event of this community already uses “%(slug)s”. “%(suggestion)s” is free.")
        % {"slug": slug, "suggestion": suggest_event_slug(community=community, title=slug, exclude_pk=exclude_pk)},
        field="slug",
    )


def _clean_fields(community: Community, fields: dict) -> dict:
    cleaned = {}
    for name, value in fields.items():
        if name == "title":
            cleaned[name] = require_text(
                value, field="title", code="title_required", message=_("Give the event a title."), max_length=200
            )
        elif name == "summary":
            cleaned[name] = optional_text(value, field="summary", max_length=300)
        elif name == "description":
            cleaned[name] = optional_text(value, field="description")
        elif name == "time_zone":
            cleaned[name] = check_time_zone(value)
        elif name in ("start", "end", "registration_opens_at", "registration_closes_at"):
            cleaned[name] = check_aware(value, field=name)
        elif name == "venue":
            if value is not None and (not isinstance(value, Venue) or value.community_id != community.pk):
                raise EventError("venue_invalid", _("Choose one of this community's venues."), field="venue")
            cleaned[name] = value
        elif name == "online_url":
            cleaned[name] = check_url(value, field="online_url")
        elif name == "capacity":
            if value is not None and (not isinstance(value, int) or value < 1):
                raise EventError(
                    "capacity_invalid", _("Enter a number of places (1 or more), or leave empty."), field="capacity"
                )
            cleaned[name] = value
        elif name == "visibility":
            if value not in Event.Visibility.values:
                raise EventError("visibility_invalid", _("Choose who can see the event."), field="visibility")
            cleaned[name] = value
        elif name == "cover":
            cleaned[name] = value or ""
        elif name == "slug":
            cleaned[name] = value
        elif name in REGISTRATION_SETTINGS:
            cleaned[name] = _clean_registration_setting(name, value)
        else:  # pragma: no cover - a programming error, not bad input
            raise TypeError(f"unexpected event field {name!r}")
    return cleaned


def _clean_registration_setting(name: str, value):
    if name in ("approval_required", "waiting_list_enabled"):
        return bool(value)
    if name == "refund_policy":
        if value not in Event.RefundPolicy.values:
            raise EventError("refund_policy_invalid", _("Choose a refund policy from the list."), field=name)
        return value
    low, high = SETTING_RANGES[name]
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        message = _("Enter a whole number from %(low)d to %(high)d.") % {"low": low, "high": high}
        raise EventError(f"{name}_invalid", message, field=name)
    return value


def _check_times(event: Event) -> None:
    if event.start is None or event.end is None:
        raise EventError("time_required", _("Enter when the event starts and ends."), field="start")
    if event.end <= event.start:
        raise EventError("end_before_start", _("The event must end after it starts."), field="end")
    opens, closes = event.registration_opens_at, event.registration_closes_at
    if closes is not None and closes > event.end:
        raise EventError(
            "registration_closes_after_end",
            _("Registration must close before the event ends."),
            field="registration_closes_at",
        )
    if opens is not None and closes is not None and opens >= closes:
        raise EventError(
            "registration_closes_before_opens",
            _("Registration must close after it opens."),
            field="registration_closes_at",
        )


@transaction.atomic
def create_event(
    *,
    community: Community,
    title: str,
    start,
    end,
    time_zone: str = "",
    slug: str = "",
    summary: str = "",
    description: str = "",
    cover=None,
    venue: Venue | None = None,
    online_url: str = "",
    capacity: int | None = None,
    visibility: str = Event.Visibility.PUBLIC,
    registration_opens_at=None,
    registration_closes_at=None,
    **registration_settings,
) -> Event:
    """Create a draft event. The time zone defaults to the community's; a blank slug is made from the title.

    `registration_settings` are any of REGISTRATION_SETTINGS; the model's defaults stand for those not given.
    """
    unknown = set(registration_settings) - set(REGISTRATION_SETTINGS)
    if unknown:
        raise TypeError(f"create_event() got unexpected fields {sorted(unknown)}")
    fields = _clean_fields(
        community,
        {
            "title": title,
            "summary": summary,
            "description": description,
            "time_zone": time_zone or community.time_zone,
            "start": start,
            "end": end,
            "venue": venue,
            "online_url": online_url,
            "capacity": capacity,
            "visibility": visibility,
            "registration_opens_at": registration_opens_at,
            "registration_closes_at": registration_closes_at,
            **registration_settings,
        },
    )
    event = Event(community=community, status=Event.Status.DRAFT, **fields)
    _check_times(event)
    if (slug or "").strip():
        event.slug = check_slug(slug, reserved=RESERVED_EVENT_SLUGS, max_length=SLUG_MAX_LENGTH)
        if _slug_taken(community, event.slug):
            raise _slug_taken_error(community, event.slug)
    else:
        event.slug = suggest_event_slug(community=community, title=fields["title"])
    event.created_at = event.updated_at = timezone.now()
    if cover:
        event.cover = cover
    try:
        with transaction.atomic():
            event.save(force_insert=True)
    except IntegrityError:
        raise _slug_taken_error(community, event.slug) from None
    return event


def _lock(event: Event) -> Event:
    return Event.objects.select_for_update().select_related("community").get(pk=event.pk)


def _save(event: Event, changed: list[str], *, now=None) -> None:
    """Save `changed` fields, touch updated_at, and raise SEQUENCE when attendees' calendars change."""
    if CALENDAR_FIELDS.intersection(changed):
        event.sequence += 1
        changed = [*changed, "sequence"]
    event.updated_at = now or timezone.now()
    event.save(update_fields=[*changed, "updated_at"])


@transaction.atomic
def update_event(*, event: Event, **fields) -> Event:
    """Change the given fields. The slug can change only while the event was never published (links use it).

    `cover` takes an (already re-encoded) image file, or "" to remove the cover. A cancelled event is frozen.
    """
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"update_event() got unexpected fields {sorted(unknown)}")
    locked = _lock(event)
    if locked.status == Event.Status.CANCELLED:
        raise EventError("event_cancelled", _("This event was cancelled and can no longer be changed."))
    cleaned = _clean_fields(locked.community, fields)
    cover = cleaned.pop("cover", None)
    slug = cleaned.pop("slug", None)
    if "capacity" in cleaned and cleaned["capacity"] is not None and cleaned["capacity"] < locked.seats_taken:
        raise EventError(
            "capacity_below_taken",
            _("%(count)d places are already taken: the capacity cannot be lower.") % {"count": locked.seats_taken},
            field="capacity",
        )
    old_capacity = locked.capacity
    changed = apply_changes(locked, cleaned)
    if slug is not None and (slug or "").strip() and slug.strip().lower() != locked.slug:
        if locked.published_at is not None or locked.status != Event.Status.DRAFT:
            raise EventError(
                "slug_locked", _("The link of an event that was published cannot change any more."), field="slug"
            )
        new_slug = check_slug(slug, reserved=RESERVED_EVENT_SLUGS, max_length=SLUG_MAX_LENGTH)
        if _slug_taken(locked.community, new_slug, exclude_pk=locked.pk):
            raise _slug_taken_error(locked.community, new_slug, exclude_pk=locked.pk)
        locked.slug = new_slug
        changed.append("slug")
    if cover is not None and (cover or locked.cover):
        locked.cover = cover
        changed.append("cover")
    _check_times(locked)
    try:
        with transaction.atomic():
            _save(locked, changed)
    except IntegrityError:
        raise _slug_taken_error(locked.community, locked.slug, exclude_pk=locked.pk) from None
    if "capacity" in changed and places_went_up(old_capacity, locked.capacity):
        # People may be waiting for these places: the attendees app offers them before the public can take them.
        signals.send_on_commit(signals.places_added, sender=Event, event_id=locked.pk)
    return locked


def places_went_up(old: int | None, new: int | None) -> bool:
    """Whether a limit went up; None is no limit at all."""
    return old is not None and (new is None or new > old)


@transaction.atomic
def publish_event(*, event: Event) -> Event:
    """Put a draft on the public pages (unless unlisted) and open it to registration."""
    locked = _lock(event)
    if locked.status == Event.Status.PUBLISHED:
        raise EventError("already_published", _("This event is already published."))
    if locked.status == Event.Status.CANCELLED:
        raise EventError("event_cancelled", _("This event was cancelled and can no longer be published."))
    if locked.venue_id is None and not locked.online_url:
        raise EventError(
            "no_place", _("Add a venue or an online link before publishing: attendees need to know where.")
        )
    locked.status = Event.Status.PUBLISHED
    locked.published_at = timezone.now()
    _save(locked, ["status", "published_at"], now=locked.published_at)
    return locked


@transaction.atomic
def cancel_event(*, event: Event) -> Event:
    """Cancel a published event: it stays visible, marked cancelled, and registration closes."""
    locked = _lock(event)
    if locked.status == Event.Status.CANCELLED:
        raise EventError("already_cancelled", _("This event is already cancelled."))
    if locked.status != Event.Status.PUBLISHED:
        raise EventError("not_published", _("Only a published event can be cancelled; a draft can be deleted."))
    locked.status = Event.Status.CANCELLED
    locked.cancelled_at = timezone.now()
    _save(locked, ["status", "cancelled_at"], now=locked.cancelled_at)
    # Registrations (cancelled, refunded, told) are the attendees app's to handle; events does not know it.
    signals.send_on_commit(signals.event_cancelled, sender=Event, event_id=locked.pk)
    return locked


def _has_registrations(event: Event) -> bool:
    sold = TicketType.objects.filter(event=event).aggregate(sold=Sum("quantity_sold"))["sold"] or 0
    return event.seats_taken > 0 or sold > 0


@transaction.atomic
def unpublish_event(*, event: Event) -> Event:
    """Take a published event back to draft, allowed only while nobody registered (then: cancel it)."""
    locked = _lock(event)
    if locked.status != Event.Status.PUBLISHED:
        raise EventError("not_published", _("Only a published event can go back to draft."))
    if _has_registrations(locked):
        raise EventError(
            "has_registrations",
            _("People have already registered: cancel the event instead, so that they are told."),
        )
    locked.status = Event.Status.DRAFT
    _save(locked, ["status"])
    return locked


@transaction.atomic
def delete_event(*, event: Event) -> None:
    """Delete a draft that was never published (nobody can have seen or registered for it)."""
    locked = Event.objects.select_for_update().filter(pk=event.pk).first()
    if locked is None:
        return
    if locked.status != Event.Status.DRAFT or locked.published_at is not None or _has_registrations(locked):
        raise EventError(
            "not_deletable", _("Only a draft that was never published can be deleted; cancel the event instead.")
        )
    locked.delete()
