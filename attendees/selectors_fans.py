"""Reads of the people pages: a community's people (search, filters, sort, pages), a fan's timeline, and what a
community holds on a person (the export). Each costs a constant number of queries whatever the number of rows."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import F, Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from attendees.models import Answer, Fan, Order, Tag, Ticket, WaitingListEntry
from attendees.services.fans import REGULAR_MIN_EVENTS, fold

SORTS = {
    # Every person has been seen (an order, a waiting list), so no NULLs to place: the plain descending order
    # lets PostgreSQL read the (community, last_seen_at) index backwards instead of sorting the community.
    "last_seen": (_("Last seen"), ["-last_seen_at", "-pk"]),
    "attended": (_("Events attended"), [F("events_attended").desc(), "name", "pk"]),
    "registered": (_("Events registered"), [F("events_registered").desc(), "name", "pk"]),
    "no_shows": (_("No-shows"), [F("no_shows").desc(), "name", "pk"]),
    "name": (_("Name"), ["name", "pk"]),
}
DEFAULT_SORT = "last_seen"

SHOWS = {
    "first_timers": _("First-timers"),
    "regulars": _("Regulars"),
    "flagged": _("Flagged"),
    "consenting": _("Accept news"),
}


def people(*, community, query: str = "", sort: str = DEFAULT_SORT, show: str = "", tag_id: int | None = None):
    """The community's people as a queryset (tags prefetched): `query` in the name or e-mail (accents and case
    ignored), `show` one of SHOWS (first-timers: registered once at most; regulars: came REGULAR_MIN_EVENTS
    times or more), `tag_id` one of the community's tags, sorted by one of SORTS."""
    fans = Fan.objects.filter(community=community)
    folded = fold(query)
    if folded:
        fans = fans.filter(search_text__contains=folded)
    if show == "first_timers":
        fans = fans.filter(events_registered__lte=1, erased_at__isnull=True)
    elif show == "regulars":
        fans = fans.filter(events_attended__gte=REGULAR_MIN_EVENTS)
    elif show == "flagged":
        fans = fans.filter(flagged=True)
    elif show == "consenting":
        fans = fans.filter(marketing_consent=True)
    if tag_id is not None:
        fans = fans.filter(tags__id=tag_id)
    ordering = SORTS.get(sort, SORTS[DEFAULT_SORT])[1]
    return fans.order_by(*ordering).prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("name")))


def tags_of(*, community) -> list[Tag]:
    return list(Tag.objects.filter(community=community).order_by("name", "pk"))


@dataclass
class Moment:
    """One line of a fan's timeline."""

    at: dt.datetime
    kind: str  # registered, cancelled, waiting, offered, checked_in, no_show
    event: object
    detail: str = ""
    tz: str = ""
    status: str = ""
    extra: dict = field(default_factory=dict)


_CANCELLED = {
    Order.Status.CANCELLED: _("Cancelled"),
    Order.Status.REFUNDED: _("Cancelled and refunded"),
    Order.Status.DECLINED: _("Declined by the organisers"),
    Order.Status.EXPIRED: _("Payment not completed"),
}


def _fan_orders(fan: Fan):
    mine = Q(buyer_email=fan.email) | Q(tickets__fan=fan)
    if fan.user_id:
        mine |= Q(user_id=fan.user_id)
    return Order.objects.filter(mine, event__community_id=fan.community_id).distinct()


def timeline(*, fan: Fan, now: dt.datetime | None = None) -> list[Moment]:
    """What the person did with the community, latest first: registrations (their own or bought for them),
    cancellations, waiting lists and offers, check-ins with their time and door, no-shows. Three queries."""
    now = now or timezone.now()
    orders = list(_fan_orders(fan).select_related("event").order_by("created_at", "pk"))
    tickets = list(
        Ticket.objects.filter(fan=fan)
        .select_related("ticket_type")
        .prefetch_related(Prefetch("checkins", queryset=_admissions()))
        .order_by("pk")
    )
    entries = list(
        WaitingListEntry.objects.filter(event__community_id=fan.community_id, email=fan.email)
        .select_related("event")
        .order_by("created_at", "pk")
    )
    events_by_order = {o.pk: o.event for o in orders}
    tickets_by_order = {}
    for ticket in tickets:
        tickets_by_order.setdefault(ticket.order_id, []).append(ticket)
    moments = []
    for order in orders:
        event = order.event
        own = tickets_by_order.get(order.pk, [])
        types = ", ".join(t.ticket_type.name for t in own)
        bought_for_others = order.buyer_email != fan.email and not (fan.user_id and order.user_id == fan.user_id)
        moments.append(
            Moment(order.created_at, "registered", event, types, event.time_zone, order.status,
                   {"reference": order.reference, "by_other": order.buyer_name if bought_for_others else "",
                    "tickets": len(own)})
        )  # fmt: skip
        if order.status in _CANCELLED and order.cancelled_at:
            moments.append(Moment(order.cancelled_at, "cancelled", event, _CANCELLED[order.status], event.time_zone))
        attended = False
        for ticket in own:
            for checkin in ticket.checkins.all():
                attended = True
                moments.append(Moment(checkin.scanned_at, "checked_in", event, checkin.door.name, event.time_zone))
            if ticket.checked_in_at and not ticket.checkins.all():
                attended = True
                moments.append(Moment(ticket.checked_in_at, "checked_in", event, "", event.time_zone))
        held = any(t.status == Ticket.Status.VALID for t in own) and order.status == Order.Status.CONFIRMED
        if held and not attended and event.end < now:
            moments.append(Moment(event.end, "no_show", event, "", event.time_zone))
    for entry in entries:
        event = entry.event
        moments.append(Moment(entry.created_at, "waiting", event, "", event.time_zone, entry.status,
                              {"quantity": entry.quantity}))  # fmt: skip
        if entry.offered_at:
            moments.append(Moment(entry.offered_at, "offered", event, "", event.time_zone, entry.status))
    # One event may be attended through two orders' tickets (a second ticket bought for a friend): no-show
    # only if none of the person's tickets for that event was let in.
    attended_events = {events_by_order[t.order_id].pk for t in tickets if t.checked_in_at}
    moments = [m for m in moments if m.kind != "no_show" or m.event.pk not in attended_events]
    moments.sort(key=lambda m: (m.at, m.kind), reverse=True)
    return moments


def _admissions():
    # The door's check-ins, by the reverse relation's name: attendees never imports checkin.
    return (
        Ticket._meta.get_field("checkins")
        .related_model.objects.filter(successful=True, undone_at__isnull=True, kind="entry")
        .select_related("door")
        .order_by("scanned_at", "pk")
    )


def data_of(*, fans: list[Fan]) -> dict:
    """Everything the community holds on these fans (one person: their verified addresses may be several), for
    them to download. Five queries per fan."""
    people = []
    for fan in fans:
        orders = list(_fan_orders(fan).select_related("event").order_by("created_at", "pk"))
        tickets = list(Ticket.objects.filter(fan=fan).select_related("order__event", "ticket_type").order_by("pk"))
        answers = list(
            Answer.objects.filter(Q(ticket__fan=fan) | Q(order__in=[o.pk for o in orders], ticket__isnull=True))
            .select_related("question", "order__event")
            .order_by("order__created_at", "question__position", "pk")
        )
        entries = list(
            WaitingListEntry.objects.filter(event__community_id=fan.community_id, email=fan.email)
            .select_related("event")
            .order_by("created_at", "pk")
        )
        people.append(
            {
                "community": fan.community.name,
                "name": fan.name,
                "email": fan.email,
                "first_seen": _iso(fan.first_seen_at),
                "last_seen": _iso(fan.last_seen_at),
                "events_registered": fan.events_registered,
                "events_attended": fan.events_attended,
                "no_shows": fan.no_shows,
                "accepts_news": fan.marketing_consent,
                "accepts_news_since": _iso(fan.marketing_consent_at),
                "organisers_note": fan.note,
                "flagged": fan.flagged,
                "flag_reason": fan.flag_reason,
                "tags": [t.name for t in fan.tags.all()],
                "orders": [
                    {
                        "reference": o.reference,
                        "event": o.event.title,
                        "event_start": _iso(o.event.start),
                        "status": o.status,
                        "buyer_name": o.buyer_name,
                        "buyer_email": o.buyer_email,
                        "total": str(o.total),
                        "currency": o.currency,
                        "accepts_news": o.marketing_consent,
                        "registered_at": _iso(o.created_at),
                        "cancelled_at": _iso(o.cancelled_at),
                    }
                    for o in orders
                ],
                "tickets": [
                    {
                        "event": t.order.event.title,
                        "ticket_type": t.ticket_type.name,
                        "holder_name": t.holder_name,
                        "holder_email": t.holder_email,
                        "status": t.status,
                        "checked_in_at": _iso(t.checked_in_at),
                    }
                    for t in tickets
                ],
                "answers": [
                    {"event": a.order.event.title, "question": a.question.label, "answer": a.value} for a in answers
                ],
                "waiting_lists": [
                    {"event": e.event.title, "status": e.status, "places": e.quantity, "joined_at": _iso(e.created_at)}
                    for e in entries
                ],
            }
        )
    return {"exported_at": _iso(timezone.now()), "people": people}


def data_rows(data: dict) -> list[list[str]]:
    """The export as rows for a CSV file: section, event, field, value."""
    rows = [["section", "event", "field", "value"]]
    for person in data["people"]:
        for key, value in person.items():
            if isinstance(value, list):
                continue
            rows.append(["person", "", key, _cell(value)])
        rows.extend(["tag", "", "name", tag] for tag in person["tags"])
        for section in ("orders", "tickets", "answers", "waiting_lists"):
            for item in person[section]:
                rows.extend(
                    [section, item["event"], key, _cell(value)] for key, value in item.items() if key != "event"
                )
    return rows


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _iso(moment):
    return moment.isoformat() if moment else None
