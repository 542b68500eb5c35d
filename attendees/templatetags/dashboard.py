"""Numbers and dates of the community dashboard in the organiser's language (42.5% / 42,5 %)."""

import datetime as dt
import zoneinfo

from django import template
from django.utils import formats, timezone
from django.utils.formats import number_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

register = template.Library()

DAY_FORMATS = {"en": {"day": "M j, Y", "short": "M j"}, "fr": {"day": "j N Y", "short": "j N"}}
# What a rate shows when it cannot be computed (nobody expected, an event still to come).
MISSING = "–"


def _language() -> str:
    language = (get_language() or "en").split("-")[0]
    return language if language in DAY_FORMATS else "en"


@register.filter
def percent(fraction: float | None) -> str:
    """0.425 as "42.5%" (English) or "42,5 %" (French); a dash for None."""
    if fraction is None:
        return MISSING
    return _("%(value)s%%") % {"value": number_format(round(fraction * 100, 1), decimal_pos=1, use_l10n=True)}


@register.filter
def decimal(value: float | None, places: int = 2) -> str:
    """A decimal number in the active language (0.40 / 0,40); a dash for None."""
    if value is None:
        return MISSING
    return number_format(round(value, places), decimal_pos=places, use_l10n=True)


@register.filter
def count(value: int | None) -> str:
    """A whole number grouped by thousands in the active language; a dash for None."""
    if value is None:
        return MISSING
    return number_format(value, decimal_pos=0, use_l10n=True, force_grouping=True)


@register.filter
def day(moment: dt.datetime | dt.date, tz_name: str = "") -> str:
    """The date (of a moment, in a named time zone) in the active language: "Mar 12, 2026" / "12 mars 2026"."""
    return _day(moment, tz_name, "day")


@register.filter
def short_day(moment: dt.datetime | dt.date, tz_name: str = "") -> str:
    """A chart label: "Mar 12" / "12 mars"."""
    return _day(moment, tz_name, "short")


def _day(moment, tz_name: str, key: str) -> str:
    if isinstance(moment, dt.datetime) and tz_name:
        moment = timezone.localtime(moment, zoneinfo.ZoneInfo(tz_name))
    return formats.date_format(moment, DAY_FORMATS[_language()][key])
