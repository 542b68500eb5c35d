"""The dashboard's date range and chosen event, read from the address; bad values give a message and the defaults."""

import dataclasses
import datetime as dt

from django.utils.translation import gettext as _

# The default range: the last 12 months, and what is already planned for the next 3 (so the registrations of the
# next event show beside those of the last ones).
DEFAULT_DAYS_AHEAD = 90
# Dates outside these bounds are typing mistakes, and far ones would overflow the date arithmetic.
EARLIEST = dt.date(1970, 1, 1)
LATEST = dt.date(2200, 12, 31)
LONGEST_RANGE = dt.timedelta(days=366 * 10)


@dataclasses.dataclass(frozen=True)
class Period:
    first: dt.date
    last: dt.date
    event_slug: str
    errors: list[str]
    is_default: bool


def default_range(*, today: dt.date) -> tuple[dt.date, dt.date]:
    try:
        year_ago = today.replace(year=today.year - 1)
    except ValueError:  # 29 February
        year_ago = today.replace(year=today.year - 1, day=28)
    return year_ago + dt.timedelta(days=1), today + dt.timedelta(days=DEFAULT_DAYS_AHEAD)


def _date(value: str) -> dt.date | None:
    if len(value) != 10:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        return None
    return day if EARLIEST <= day <= LATEST else None


def read_period(params, *, today: dt.date) -> Period:
    """The range and event the address asks for (`from`, `to` as YYYY-MM-DD, `event` a slug), or the defaults for
    what is missing or wrong, with a message for each mistake."""
    default_first, default_last = default_range(today=today)
    raw_first = params.get("from", "").strip()
    raw_last = params.get("to", "").strip()
    errors = []
    first = _date(raw_first) if raw_first else default_first
    last = _date(raw_last) if raw_last else default_last
    for raw, parsed in ((raw_first, first), (raw_last, last)):
        if parsed is None:
            errors.append(
                _("“%(value)s” is not a date we can use: write it as YYYY-MM-DD, e.g. %(example)s.")
                % {"value": raw[:40], "example": today.isoformat()}
            )
    if first is not None and last is not None and first > last:
        errors.append(_("The start date is after the end date."))
    elif first is not None and last is not None and last - first > LONGEST_RANGE:
        errors.append(_("Choose a range of at most 10 years."))
    if errors:
        errors.append(_("Showing the default dates instead: the last 12 months and the next 3."))
        first, last = default_first, default_last
    event_slug = params.get("event", "").strip()[:80]
    return Period(
        first=first,
        last=last,
        event_slug=event_slug,
        errors=errors,
        is_default=(first, last) == (default_first, default_last),
    )
