"""Recurring meetups: propose dates from one event, then copy it onto the dates the organiser picked."""

import calendar
import datetime as dt
import re

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from events.models import Event, Series, TicketType
from events.services.errors import EventError
from events.services.localtime import get_zone, make_aware_local, to_local_naive

MONTHLY_BY_WEEKDAY = "weekday"  # "the 2nd Tuesday of the month"
MONTHLY_BY_DAY = "day"  # "the 14th of the month"
MAX_DATES = 52
_DATE_SUFFIX = re.compile(r"-\d{4}-\d{2}-\d{2}$")


def nth_weekday(year: int, month: int, weekday: int, n: int) -> dt.date | None:
    """The n-th (1-5) `weekday` (0 = Monday) of the month, or None when the month has no such day."""
    first = dt.date(year, month, 1)
    day = 1 + (weekday - first.weekday()) % 7 + 7 * (n - 1)
    if day > calendar.monthrange(year, month)[1]:
        return None
    return dt.date(year, month, day)


def _add_months(year: int, month: int, count: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + count
    return index // 12, index % 12 + 1


def propose_series_dates(
    *, event: Event, frequency: str, interval: int = 1, monthly_by: str = MONTHLY_BY_WEEKDAY, count: int = 6
) -> list[dt.date]:
    """The next `count` dates after the event's (local) date that follow the pattern; nothing is written.

    Monthly dates that a month does not have (a 5th Tuesday, a 31st) are skipped, not moved.
    """
    if frequency not in Series.Frequency.values:
        raise EventError("frequency_invalid", _("Choose weekly or monthly."), field="frequency")
    if not 1 <= count <= MAX_DATES:
        raise EventError("count_invalid", _("Choose between 1 and %(max)d dates.") % {"max": MAX_DATES}, field="count")
    first = event.local_start.date()
    if frequency == Series.Frequency.WEEKLY:
        if interval not in (1, 2, 3, 4):
            raise EventError("interval_invalid", _("Choose every 1 to 4 weeks."), field="frequency")
        return [first + dt.timedelta(weeks=interval * k) for k in range(1, count + 1)]
    if monthly_by not in (MONTHLY_BY_WEEKDAY, MONTHLY_BY_DAY):
        raise EventError("pattern_invalid", _("Choose a monthly pattern."), field="frequency")
    n = (first.day - 1) // 7 + 1
    dates: list[dt.date] = []
    months_ahead = 1
    # A 5th weekday or a 31st exists in at least one month out of three, so this always ends.
    while len(dates) < count:
        year, month = _add_months(first.year, first.month, months_ahead)
        months_ahead += 1
        if monthly_by == MONTHLY_BY_WEEKDAY:
            candidate = nth_weekday(year, month, first.weekday(), n)
        elif first.day <= calendar.monthrange(year, month)[1]:
            candidate = dt.date(year, month, first.day)
        else:
            candidate = None
        if candidate is not None:
            dates.append(candidate)
    return dates


def occurrence_slug(event: Event, day: dt.date) -> str:
    """The slug of the occurrence on `day`: the base slug (without a date suffix) plus the date."""
    suffix = f"-{day.isoformat()}"
    base = _DATE_SUFFIX.sub("", event.slug)
    max_length = Event._meta.get_field("slug").max_length
    return f"{base[: max_length - len(suffix)].rstrip('-')}{suffix}"


def existing_dates(event: Event) -> set[dt.date]:
    """Local dates on which the event's series (or the event alone) already has an occurrence."""
    if event.series_id is None:
        return {event.local_start.date()}
    rows = Event.objects.filter(series_id=event.series_id).values_list("start", "time_zone")
    return {to_local_naive(start, get_zone(tz)).date() for start, tz in rows} | {event.local_start.date()}


def _clean_dates(dates) -> list[dt.date]:
    try:
        cleaned = sorted({d if isinstance(d, dt.date) else dt.date.fromisoformat(str(d)) for d in dates or []})
    except ValueError:
        raise EventError("date_invalid", _("One of the dates is not a valid date."), field="dates") from None
    if not cleaned:
        raise EventError("no_dates", _("Tick at least one date."), field="dates")
    if len(cleaned) > MAX_DATES:
        raise EventError("too_many_dates", _("Choose at most %(max)d dates.") % {"max": MAX_DATES}, field="dates")
    return cleaned


@transaction.atomic
def create_series(*, event: Event, frequency: str, dates, publish: bool = False) -> list[Event]:
    """Copy `event` (with its ticket types) onto each date, at the same local wall-clock time.

    Occurrences are linked to one Series (created on first use) and are independent events afterwards.
    Dates that already have an occurrence (or whose slug is taken) are skipped, so a repeated request
    creates nothing twice. Returns the new events in date order.
    """
    if frequency not in Series.Frequency.values:
        raise EventError("frequency_invalid", _("Choose weekly or monthly."), field="frequency")
    days = _clean_dates(dates)
    source = Event.objects.select_for_update().select_related("community").get(pk=event.pk)
    if source.status == Event.Status.CANCELLED:
        raise EventError("event_cancelled", _("A cancelled event cannot be repeated."))
    if publish and source.venue_id is None and not source.online_url:
        raise EventError(
            "no_place", _("Add a venue or an online link before publishing: attendees need to know where.")
        )
    now = timezone.now()
    if source.series_id is None:
        series = Series.objects.create(
            community=source.community, title=source.title, frequency=frequency, created_at=now
        )
        source.series = series
        source.updated_at = now
        source.save(update_fields=["series", "updated_at"])
    taken_dates = existing_dates(source)
    taken_slugs = set(Event.objects.filter(community=source.community).values_list("slug", flat=True))
    zone = source.tz
    local_start = to_local_naive(source.start, zone)
    local_duration = to_local_naive(source.end, zone) - local_start
    ticket_types = list(TicketType.objects.filter(event=source).order_by("position", "pk"))
    created = []
    for day in days:
        slug = occurrence_slug(source, day)
        if day in taken_dates or slug in taken_slugs:
            continue
        naive_start = dt.datetime.combine(day, local_start.time())
        start = make_aware_local(naive_start, zone)
        end = make_aware_local(naive_start + local_duration, zone)
        if end <= start:  # the start fell in a DST gap and moved onto the end: keep the real duration
            end = start + (source.end - source.start)
        shift = start - source.start
        occurrence = Event.objects.create(
            community=source.community,
            series_id=source.series_id,
            title=source.title,
            slug=slug,
            summary=source.summary,
            description=source.description,
            cover=source.cover.name,
            time_zone=source.time_zone,
            start=start,
            end=end,
            venue_id=source.venue_id,
            online_url=source.online_url,
            capacity=source.capacity,
            status=Event.Status.PUBLISHED if publish else Event.Status.DRAFT,
            visibility=source.visibility,
            registration_opens_at=source.registration_opens_at and source.registration_opens_at + shift,
            registration_closes_at=source.registration_closes_at and source.registration_closes_at + shift,
            created_at=now,
            updated_at=now,
            published_at=now if publish else None,
        )
        TicketType.objects.bulk_create(
            TicketType(
                event=occurrence,
                name=t.name,
                description=t.description,
                price=t.price,
                currency=t.currency,
                quantity=t.quantity,
                quantity_sold=0,
                sales_start=t.sales_start and t.sales_start + shift,
                sales_end=t.sales_end and t.sales_end + shift,
                position=t.position,
            )
            for t in ticket_types
        )
        created.append(occurrence)
        taken_slugs.add(slug)
    return created
