"""Demo registrations for `manage.py load_demo`: orders and tickets for the demo events, cancellations, a waiting list.

Upcoming events are registered for through attendees.services (place_order, cancel_order, join_waiting_list), as
fans would. Those services rightly refuse events that are over, so past events get their orders written directly,
confirmed a few days before the event, and the counters recounted by the service that repairs them
(recount_event). Every order is found again by (event, buyer e-mail), so a second run changes nothing.
"""

import dataclasses
import datetime as dt
import unicodedata

from django.db import transaction
from django.utils import timezone

from attendees.models import Order, Ticket, WaitingListEntry
from attendees.services import RegistrationError, cancel_order, join_waiting_list, place_order, recount_event
from events.models import Community, Event, TicketType

FIRST_NAMES = {
    "en": ["Amira", "Ben", "Chloe", "Dev", "Ella", "Finn", "Grace", "Hamza", "Isla", "Jack", "Kai", "Lena", "Mo",
           "Nina", "Omar", "Priya", "Quinn", "Rosa", "Sam", "Tom", "Uma", "Vik", "Will", "Yara", "Zoe"],
    "fr": ["Adèle", "Bastien", "Céline", "Damien", "Élodie", "Fabien", "Gaëlle", "Hugo", "Inès", "Jules", "Karim",
           "Léa", "Mathis", "Noémie", "Océane", "Paul", "Quentin", "Rémi", "Sophie", "Théo", "Ursule", "Victor",
           "Wassim", "Yasmine", "Zoé"],
}  # fmt: skip
LAST_NAMES = {
    "en": ["Ahmed", "Baker", "Clarke", "Davies", "Evans", "Foster", "Green", "Hughes", "Iqbal", "Jones", "Khan",
           "Lewis", "Murphy", "Nash", "Okafor", "Patel", "Reid", "Singh", "Taylor", "Walsh"],
    "fr": ["Arnaud", "Bertrand", "Chevalier", "Dubois", "Étienne", "Faure", "Garnier", "Henry", "Jacquet", "Lambert",
           "Mercier", "Noël", "Olivier", "Perrin", "Roux", "Simon", "Thomas", "Vidal"],
}  # fmt: skip

# Registrations per demo event: how many orders, how many of them cancelled, and the ticket type they take.
# Past events are full-ish so the door stats have something to show; upcoming ones are filling up.
PAST = {
    "build-night-39": (46, 3),
    "build-night-40": (58, 4),
    "workshop-python-packaging": (22, 1),
    "apero-data-11": (34, 2),
}
UPCOMING = {
    "build-night-41": (20, 2, "Free ticket"),
    "build-night-43": (8, 0, "Free ticket"),
    "maintainers-day": (5, 0, "Student"),
    "office-hours-first-contribution": (12, 1, "Online seat"),
    "apero-data-12": (16, 1, "Entrée libre"),
}
# A small unlisted dinner filled to the last seat, then people waiting for a place.
FULL_EVENT = "maintainers-day-speakers-dinner"
WAITING = 2


@dataclasses.dataclass
class RegistrationsResult:
    created: int = 0
    unchanged: int = 0
    cancelled: int = 0
    waiting: int = 0


@dataclasses.dataclass(frozen=True)
class Person:
    name: str
    email: str


def people(language: str, count: int, *, offset: int = 0) -> list[Person]:
    """`count` believable, distinct people (the same ones on every run), with example.com addresses."""
    firsts, lasts = FIRST_NAMES[language], LAST_NAMES[language]
    result = []
    for n in range(offset, offset + count):
        first = firsts[n % len(firsts)]
        last = lasts[(7 * (n % len(firsts)) + n // len(firsts)) % len(lasts)]
        local = _ascii(f"{first}.{last}").lower()
        suffix = "" if n < len(firsts) * len(lasts) else str(n)
        result.append(Person(name=f"{first} {last}", email=f"{local}{suffix}@example.com"))
    return result


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def load(*, communities: list[Community]) -> RegistrationsResult:
    """Create the demo registrations of these communities' events (found by slug), or leave them as they are."""
    result = RegistrationsResult()
    events = {
        event.slug: event for event in Event.objects.filter(community__in=communities).select_related("community")
    }
    for slug, (count, cancelled) in PAST.items():
        if slug in events:
            _load_past(result, events[slug], count=count, cancelled=cancelled)
    for slug, (count, cancelled, type_name) in UPCOMING.items():
        if slug in events:
            _load_upcoming(result, events[slug], count=count, cancelled=cancelled, type_name=type_name)
    if FULL_EVENT in events:
        _load_full(result, events[FULL_EVENT])
    return result


def _language(event: Event) -> str:
    return "fr" if event.community.language == "fr" else "en"


def _existing(event: Event) -> dict[str, Order]:
    return {order.buyer_email: order for order in Order.objects.filter(event=event)}


def _load_past(result: RegistrationsResult, event: Event, *, count: int, cancelled: int) -> None:
    """Confirmed orders placed over the weeks before the event, the last `cancelled` of them cancelled since."""
    ticket_type = TicketType.objects.filter(event=event).order_by("position", "pk").first()
    if ticket_type is None or event.end > timezone.now():
        return
    existing = _existing(event)
    offset = sum(ord(c) for c in event.slug) % 50  # not the same faces at every event, the same on every run
    with transaction.atomic():
        for index, person in enumerate(people(_language(event), count, offset=offset)):
            if person.email in existing:
                result.unchanged += 1
                continue
            placed = event.start - dt.timedelta(days=21 - index * 20 / count, hours=index % 9)
            is_cancelled = index >= count - cancelled
            order = Order.objects.create(
                event=event,
                buyer_name=person.name,
                buyer_email=person.email,
                status=Order.Status.CANCELLED if is_cancelled else Order.Status.CONFIRMED,
                total=ticket_type.price,
                currency=ticket_type.currency,
                language=_language(event),
                created_at=placed,
                updated_at=placed,
                confirmed_at=placed,
                cancelled_at=placed + dt.timedelta(days=2) if is_cancelled else None,
            )
            Ticket.objects.create(
                order=order,
                ticket_type=ticket_type,
                holder_name=person.name,
                holder_email=person.email,
                price=ticket_type.price,
                status=Ticket.Status.CANCELLED if is_cancelled else Ticket.Status.VALID,
                created_at=placed,
            )
            result.created += 1
            result.cancelled += is_cancelled
    recount_event(event=event)


def _load_upcoming(result: RegistrationsResult, event: Event, *, count: int, cancelled: int, type_name: str) -> None:
    """Fans register through the registration service (free tickets); the last `cancelled` cancel theirs."""
    ticket_type = TicketType.objects.filter(event=event, name=type_name).first()
    if ticket_type is None or not event.registration_is_open():
        return
    existing = _existing(event)
    offset = sum(ord(c) for c in event.slug) % 50
    for index, person in enumerate(people(_language(event), count, offset=offset)):
        order = existing.get(person.email)
        if order is None:
            try:
                order = place_order(
                    event=event,
                    quantities={ticket_type.pk: 1},
                    holders=[(person.name, person.email)],
                    buyer_name=person.name,
                    buyer_email=person.email,
                    language=_language(event),
                    marketing_consent=index % 3 == 0,
                )
            except RegistrationError:  # sold out, closed...: the demo takes what the event allows
                continue
            result.created += 1
            if index >= count - cancelled:
                cancel_order(order=order)
                result.cancelled += 1
        else:
            result.unchanged += 1


def _load_full(result: RegistrationsResult, event: Event) -> None:
    """Fill every place, then put WAITING people on the waiting list."""
    ticket_type = TicketType.objects.filter(event=event).order_by("position", "pk").first()
    if ticket_type is None or not event.registration_is_open():
        return
    count = event.capacity or ticket_type.quantity
    _load_upcoming(result, event, count=count, cancelled=0, type_name=ticket_type.name)
    waiting = {entry.email for entry in WaitingListEntry.objects.filter(event=event)}
    for person in people(_language(event), WAITING, offset=count + 60):
        if person.email in waiting:
            result.unchanged += 1
            continue
        try:
            join_waiting_list(event=event, name=person.name, email=person.email, language=_language(event))
        except RegistrationError:
            continue
        result.created += 1
        result.waiting += 1
