"""Wall-clock times in an event's own time zone, turned into aware datetimes without DST surprises."""

import datetime as dt
import zoneinfo

UTC = dt.UTC


def get_zone(name: str) -> zoneinfo.ZoneInfo | None:
    """The zone called `name`, or None when there is no such zone (or the name is not a plain zone name)."""
    if not name or not isinstance(name, str) or name.startswith("/") or ".." in name:
        return None
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


def is_nonexistent(naive: dt.datetime, zone: zoneinfo.ZoneInfo) -> bool:
    """True when clocks jump over this wall-clock time in this zone (the spring-forward gap)."""
    aware = naive.replace(tzinfo=zone)
    return aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != naive


def make_aware_local(naive: dt.datetime, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    """The instant this wall-clock time means in this zone.

    In the autumn fold the first of the two instants is chosen (the one people mean when they say
    "01:30" before the clocks go back); a time in the spring gap is moved forward by the gap, as
    clocks do. Forms refuse gap times before they get here; series dates may land in one.
    """
    aware = naive.replace(tzinfo=zone, fold=0)
    return aware.astimezone(UTC)


def to_local_naive(value: dt.datetime | None, zone: zoneinfo.ZoneInfo) -> dt.datetime | None:
    """An aware datetime as the wall-clock time shown in `zone` (what a datetime-local input holds)."""
    if value is None:
        return None
    return value.astimezone(zone).replace(tzinfo=None)
