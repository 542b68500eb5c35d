"""Filters for the public pages: Markdown, prices and dates per language, times in the event's own time zone."""

import datetime as dt
import zoneinfo
from decimal import Decimal

from django import template
from django.utils import formats, timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from events import seo
from events.markdown import render_markdown
from events.models import Event

register = template.Library()

# Date formats (Django's date syntax) per language; Django's own formats have no weekday, which meetups need.
DATE_FORMATS = {
    "en": {"long": "l, F j, Y", "short": "D, M j", "short_year": "D, M j, Y", "month": "M", "time": "g:i A"},
    "fr": {"long": "l j F Y", "short": "D j N", "short_year": "D j N Y", "month": "N", "time": "H:i"},
}
# Currency symbols and where they go, per language (as the languages' own conventions write them).
CURRENCY_SYMBOLS = {
    "en": {"EUR": "€", "USD": "$", "GBP": "£", "CHF": "CHF\u00a0", "CAD": "CA$"},
    "fr": {"EUR": "€", "USD": "$\u00a0US", "GBP": "£\u00a0GB", "CHF": "CHF", "CAD": "$\u00a0CA"},
}
SYMBOL_AFTER = {"en": False, "fr": True}


def _language() -> str:
    language = (get_language() or "en").split("-")[0]
    return language if language in DATE_FORMATS else "en"


def _format(moment: dt.datetime, key: str, tz: zoneinfo.ZoneInfo | None = None) -> str:
    if tz is not None:
        moment = timezone.localtime(moment, tz)
    return formats.date_format(moment, DATE_FORMATS[_language()][key])


@register.filter
def markdown(text):
    """Organiser-written Markdown as sanitised HTML."""
    return render_markdown(text or "")


@register.filter
def price(value, currency="EUR"):
    """A price as the visitor's language writes it: "€12.00" in English, "12,00 €" in French; 0 is "Free"."""
    if value is None:
        return ""
    amount = Decimal(value)
    if amount == 0:
        return _("Free")
    language = _language()
    number = formats.number_format(amount, decimal_pos=2, use_l10n=True, force_grouping=True)
    symbol = CURRENCY_SYMBOLS.get(language, CURRENCY_SYMBOLS["en"]).get(currency, currency + "\u00a0")
    if SYMBOL_AFTER.get(language, False):
        return f"{number}\u00a0{symbol.strip()}"
    return f"{symbol}{number}"


@register.filter
def when(event: Event) -> str:
    """The event's date and times in its own time zone: "Sunday, July 5, 2026 · 7:00 PM – 10:00 PM"."""
    start, end = event.local_start, event.local_end
    if start.date() == end.date():
        return f"{_format(start, 'long')} · {_format(start, 'time')} – {_format(end, 'time')}"
    return f"{_format(start, 'long')}, {_format(start, 'time')} – {_format(end, 'long')}, {_format(end, 'time')}"


@register.filter
def short_when(event: Event) -> str:
    """A card's date line in the event's time zone: "Sun, Jul 5 · 7:00 PM" (with the year when not this year)."""
    start = event.local_start
    day_format = "short" if start.year == timezone.localtime(timezone.now(), event.tz).year else "short_year"
    return f"{_format(start, day_format)} · {_format(start, 'time')}"


@register.filter
def badge_day(event: Event) -> str:
    return str(event.local_start.day)


@register.filter
def badge_month(event: Event) -> str:
    return _format(event.local_start, "month")


@register.filter
def long_date(moment, tz_name: str = "") -> str:
    """A date and time in a named time zone (the event's), in the visitor's language."""
    if not moment:
        return ""
    tz = zoneinfo.ZoneInfo(tz_name) if tz_name else None
    return f"{_format(moment, 'long', tz)}, {_format(moment, 'time', tz)}"


@register.filter
def tz_label(event: Event) -> str:
    """The event's time zone as people read it: "Europe/Paris (UTC+02:00)"."""
    offset = event.local_start.utcoffset() or dt.timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"{event.time_zone.replace('_', ' ')} (UTC{sign}{hours:02d}:{rest:02d})"


@register.filter
def iso_in_zone(moment, tz_name: str) -> str:
    """ISO 8601 with the zone's offset, for <time datetime="...">."""
    if not moment:
        return ""
    return timezone.localtime(moment, zoneinfo.ZoneInfo(tz_name)).isoformat()


@register.filter
def places_left(event: Event) -> str:
    """ "12 places left", "Sold out", or nothing at all when the event has no limit."""
    left = event.places_left
    if left is None:
        return ""
    if left == 0:
        return _("Sold out")
    return ngettext("%(count)s place left", "%(count)s places left", left) % {"count": left}


@register.filter
def json_ld(data: dict):
    return seo.json_ld_script(data)
