"""Filters for the attendee list: compact dates and times in the event's time zone, in the organiser's language."""

import zoneinfo

from django import template
from django.utils import formats, timezone
from django.utils.translation import get_language

register = template.Library()

# A table cell has room for the day and the time, not the weekday and the year.
FORMATS = {
    "en": {"moment": "M j, g:i A", "time": "g:i A"},
    "fr": {"moment": "j N, H:i", "time": "H:i"},
}


def _format(moment, tz_name: str, key: str) -> str:
    if not moment:
        return ""
    language = (get_language() or "en").split("-")[0]
    local = timezone.localtime(moment, zoneinfo.ZoneInfo(tz_name)) if tz_name else moment
    return formats.date_format(local, FORMATS.get(language, FORMATS["en"])[key])


@register.filter
def short_moment(moment, tz_name: str = "") -> str:
    """ "Nov 21, 2:05 PM" in the zone named (the event's)."""
    return _format(moment, tz_name, "moment")


@register.filter
def time_in_zone(moment, tz_name: str = "") -> str:
    return _format(moment, tz_name, "time")
