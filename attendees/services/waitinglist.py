"""The waiting list: join, leave, offers to the next in line when places free up, and their expiry.

An offer holds its places in the event's `seats_taken` until it is claimed (through place_order with the offer
token) or runs out, so the public cannot take them meanwhile and two offers never cover the same freed seat.
Offers go in order of joining; someone who wants more places than are free keeps their rank and is passed over
for this release only, so small releases are never left idle.
"""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from attendees.models import Order, WaitingListEntry
from attendees.secrets import new_access_token
from attendees.services import fans, notifications
from attendees.services.errors import RegistrationError
from attendees.services.inventory import Types, free_seats, hold_offer_seats, lock_event, release_offer_seats
from attendees.services.validation import check_event_open, clean_email, clean_language, clean_name
from events.models import Event

DEFAULT_CLAIM_WINDOW = dt.timedelta(hours=24)
MIN_CLAIM_WINDOW = dt.timedelta(minutes=30)


def claim_window_for(*, event: Event, now: dt.datetime, window: dt.timedelta = DEFAULT_CLAIM_WINDOW) -> dt.timedelta:
    """The organiser's claim window, shortened when the event is near: at most a quarter of the time left before
    it starts (so a place freed on the day still finds a taker), never under half an hour."""
    return max(min(window, (event.start - now) / 4), MIN_CLAIM_WINDOW)


def offer_next_locked(
    *, event: Event, types: Types, now: dt.datetime, claim_window: dt.timedelta | None = None
) -> list[WaitingListEntry]:
    """Offer the free places to the next people in line; the event must be locked (lock_event)."""
    free = free_seats(event, types)
    if free == 0 or not event.registration_is_open(now):
        return []
    window = claim_window_for(event=event, now=now, window=claim_window or dt.timedelta(hours=event.claim_window_hours))
    expires_at = now + window
    # Past the close of registration the claim would be refused: the offer ends with it.
    for limit in (event.registration_closes_at, event.end):
        if limit is not None:
            expires_at = min(expires_at, limit)
    offered = []
    waiting = list(WaitingListEntry.objects.filter(event=event, status=WaitingListEntry.Status.WAITING))
    if not waiting:
        return []
    # Someone who registered meanwhile (places opened up while they were in line) needs no offer any more.
    registered = set(
        Order.objects.filter(event=event, status__in=Order.HOLDING, buyer_email__in={e.email for e in waiting})
        .values_list("buyer_email", flat=True)
    )  # fmt: skip
    for entry in waiting:
        if free == 0:
            break
        if entry.email in registered:
            entry.status = WaitingListEntry.Status.LEFT
            entry.updated_at = now
            entry.save(update_fields=["status", "updated_at"])
            continue
        if entry.quantity > free:
            continue
        entry.status = WaitingListEntry.Status.OFFERED
        entry.offer_token = new_access_token()
        entry.offered_quantity = entry.quantity
        entry.offered_at = now
        entry.offer_expires_at = expires_at
        entry.updated_at = now
        entry.save(
            update_fields=["status", "offer_token", "offered_quantity", "offered_at", "offer_expires_at", "updated_at"]
        )
        free -= entry.quantity
        offered.append(entry)
        notifications.offer_made(entry=entry)
    if offered:
        from attendees import tasks

        hold_offer_seats(event=event, seats=sum(e.offered_quantity for e in offered), now=now)
        tasks.schedule_on_commit(tasks.expire_waiting_list_offers, at=expires_at)
    return offered


def offer_next(*, event: Event, claim_window: dt.timedelta | None = None) -> list[WaitingListEntry]:
    """Offer whatever places are free to the next in line (after a cancellation, an expired payment, more capacity)."""
    now = timezone.now()
    with transaction.atomic():
        event, types = lock_event(event.pk)
        return offer_next_locked(event=event, types=types, now=now, claim_window=claim_window)


def expire_offers_locked(*, event: Event, now: dt.datetime) -> int:
    """Close the event's offers that ran out and give their places back (not yet to anyone)."""
    expired = list(
        WaitingListEntry.objects.filter(
            event=event, status=WaitingListEntry.Status.OFFERED, offer_expires_at__lte=now
        ).select_for_update()
    )
    for entry in expired:
        entry.status = WaitingListEntry.Status.EXPIRED
        entry.updated_at = now
        entry.save(update_fields=["status", "updated_at"])
        notifications.offer_expired(entry=entry)
    release_offer_seats(event=event, seats=sum(e.offered_quantity for e in expired), now=now)
    return len(expired)


def expire_offers(*, now: dt.datetime | None = None, claim_window: dt.timedelta | None = None) -> int:
    """Close every offer that ran out and pass its places to the next in line; safe to run any time, any number
    of times."""
    now = now or timezone.now()
    event_ids = (
        WaitingListEntry.objects.filter(status=WaitingListEntry.Status.OFFERED, offer_expires_at__lte=now)
        .values_list("event_id", flat=True)
        .distinct()
    )
    expired = 0
    for event_id in sorted(set(event_ids)):
        with transaction.atomic():
            event, types = lock_event(event_id)
            expired += expire_offers_locked(event=event, now=now)
            offer_next_locked(event=event, types=types, now=now, claim_window=claim_window)
    return expired


def offer_free_places(*, now: dt.datetime | None = None, claim_window: dt.timedelta | None = None) -> int:
    """Offer places that are free while people wait (the capacity was raised, say): the periodic safety net for
    changes made where the waiting list is not known. Returns the number of offers made."""
    now = now or timezone.now()
    event_ids = WaitingListEntry.objects.filter(status=WaitingListEntry.Status.WAITING).values_list(
        "event_id", flat=True
    )
    offered = 0
    for event_id in sorted(set(event_ids)):
        with transaction.atomic():
            event, types = lock_event(event_id)
            offered += len(offer_next_locked(event=event, types=types, now=now, claim_window=claim_window))
    return offered


def join_waiting_list(
    *, event: Event, name: str, email: str, quantity: int = 1, user=None, language: str = "en"
) -> WaitingListEntry:
    name = clean_name(name, field="name")
    email = clean_email(email, field="email")
    if not isinstance(quantity, int) or not 1 <= quantity <= event.max_tickets_per_order:
        raise RegistrationError(
            "quantity_out_of_range",
            _("Ask for between 1 and %(max)d places.") % {"max": event.max_tickets_per_order},
            field="quantity",
        )
    now = timezone.now()
    with transaction.atomic():
        event, types = lock_event(event.pk)
        check_event_open(event, now=now)
        if not event.waiting_list_enabled:
            raise RegistrationError("waiting_list_disabled", _("This event has no waiting list."))
        if free_seats(event, types) >= quantity:
            raise RegistrationError("places_available", _("There are places left: you can register right away."))
        if WaitingListEntry.objects.filter(event=event, email=email, status__in=WaitingListEntry.ACTIVE).exists():
            raise RegistrationError("duplicate", _("This e-mail address is already on the waiting list."))
        fans.check_not_flagged(community_id=event.community_id, emails=[email], user=user, field="email")
        entry = WaitingListEntry.objects.create(
            event=event,
            name=name,
            email=email,
            quantity=quantity,
            user=user if user is not None and user.is_authenticated else None,
            language=clean_language(language),
            created_at=now,
            updated_at=now,
        )
        fans.waiting_entry_changed(entry_id=entry.pk)
        return entry


def leave_waiting_list(*, entry: WaitingListEntry) -> WaitingListEntry:
    """Take `entry` off the list; an unclaimed offer's places go to the next in line. Leaving twice is harmless."""
    now = timezone.now()
    with transaction.atomic():
        event, types = lock_event(entry.event_id)
        entry = WaitingListEntry.objects.select_for_update().get(pk=entry.pk)
        if entry.status == WaitingListEntry.Status.CLAIMED:
            raise RegistrationError("already_claimed", _("This offer was already used to register."))
        if entry.status not in WaitingListEntry.ACTIVE:
            return entry
        was_offered = entry.status == WaitingListEntry.Status.OFFERED
        entry.status = WaitingListEntry.Status.LEFT
        entry.updated_at = now
        entry.save(update_fields=["status", "updated_at"])
        if was_offered:
            release_offer_seats(event=event, seats=entry.offered_quantity, now=now)
            offer_next_locked(event=event, types=types, now=now)
        return entry
