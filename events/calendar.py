"""Calendar files (.ics, built with icalendar) for one event and for a community's feed, and Google Calendar links."""

import datetime as dt
from email.utils import parseaddr
from urllib.parse import quote, urlencode

import icalendar
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from events.markdown import markdown_to_text
from events.models import Community, Event

PRODID = "-//Rendezvous//Rendezvous events//EN"
FEED_REFRESH = dt.timedelta(hours=1)
CONTENT_TYPE = "text/calendar; charset=utf-8"


def event_uid(event: Event) -> str:
    """The event's identity in every calendar, the same in the single download and in the feed, forever."""
    return f"{event.uid}@rendezvous"


def absolute_url(path: str) -> str:
    return settings.SITE_URL + path


def event_ics(*, event: Event) -> bytes:
    """A calendar file holding this one event (with its time zone), for the "Add to calendar" download."""
    calendar = _calendar()
    calendar.add_component(_vevent(event))
    _add_time_zones(calendar, [event])
    return calendar.to_ical()


def community_ics(*, community: Community, events: list[Event]) -> bytes:
    """The community's subscribable feed: every public event, cancelled ones marked so."""
    calendar = _calendar()
    calendar.calendar_name = community.name  # NAME and X-WR-CALNAME
    if community.tagline:
        calendar.add("X-WR-CALDESC", community.tagline)
    calendar.add("X-WR-TIMEZONE", community.time_zone)
    calendar.add("URL", absolute_url(community.get_absolute_url()))
    # How often to poll: REFRESH-INTERVAL (RFC 7986, VALUE=DURATION is required) for newer clients,
    # X-PUBLISHED-TTL for Outlook and Apple Calendar (an unknown property: say it is a duration).
    calendar.add("REFRESH-INTERVAL", FEED_REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("X-PUBLISHED-TTL", icalendar.vDuration(FEED_REFRESH))
    for event in events:
        calendar.add_component(_vevent(event))
    _add_time_zones(calendar, events)
    return calendar.to_ical()


def google_calendar_url(*, event: Event) -> str:
    """A link that opens Google Calendar's "new event" form filled with this event (times in UTC)."""
    params = {
        "action": "TEMPLATE",
        "text": event.title,
        "dates": f"{_utc_stamp(event.start)}/{_utc_stamp(event.end)}",
        "details": _description(event),
        "location": _location(event),
        "ctz": event.time_zone,
    }
    return "https://calendar.google.com/calendar/render?" + urlencode(params, quote_via=quote)


def feed_urls(*, community: Community) -> dict[str, str]:
    """Where to subscribe to the community's feed: https, webcal:// (opens the calendar app) and Google."""
    https_url = absolute_url(reverse("events:community_calendar", kwargs={"community": community.slug}))
    webcal_url = "webcal://" + https_url.split("://", 1)[1]
    google_url = "https://calendar.google.com/calendar/render?" + urlencode({"cid": webcal_url}, quote_via=quote)
    return {"https": https_url, "webcal": webcal_url, "google": google_url}


def _calendar() -> icalendar.Calendar:
    calendar = icalendar.Calendar()
    calendar.add("PRODID", PRODID)
    calendar.add("VERSION", "2.0")
    calendar.add("CALSCALE", "GREGORIAN")
    calendar.add("METHOD", "PUBLISH")
    return calendar


def _vevent(event: Event) -> icalendar.Event:
    tz = event.tz
    vevent = icalendar.Event()
    vevent.add("UID", event_uid(event))
    vevent.add("SEQUENCE", event.sequence)
    # The last change, not the time of the download: the same event gives the same bytes until it changes.
    vevent.add("DTSTAMP", event.updated_at.astimezone(dt.UTC))
    vevent.add("CREATED", event.created_at.astimezone(dt.UTC))
    vevent.add("LAST-MODIFIED", event.updated_at.astimezone(dt.UTC))
    vevent.add("DTSTART", event.start.astimezone(tz))
    vevent.add("DTEND", event.end.astimezone(tz))
    summary = _("Cancelled: %(title)s") % {"title": event.title} if event.is_cancelled else event.title
    vevent.add("SUMMARY", summary)
    vevent.add("DESCRIPTION", _description(event))
    location = _location(event)
    if location:
        vevent.add("LOCATION", location)
    vevent.add("URL", absolute_url(event.get_absolute_url()))
    vevent.add("STATUS", "CANCELLED" if event.is_cancelled else "CONFIRMED")
    organizer = icalendar.vCalAddress("mailto:" + parseaddr(settings.DEFAULT_FROM_EMAIL)[1])
    organizer.params["CN"] = event.community.name
    vevent.add("ORGANIZER", organizer)
    return vevent


def _add_time_zones(calendar: icalendar.Calendar, events: list[Event]) -> None:
    """VTIMEZONE components for every zone the events use, covering the years the events span."""
    if not events:
        return
    first = min(e.start for e in events).date().replace(month=1, day=1)
    last = max(e.end for e in events).date().replace(month=12, day=31)
    calendar.add_missing_timezones(first_date=first - dt.timedelta(days=1), last_date=last + dt.timedelta(days=1))


def _description(event: Event) -> str:
    parts = []
    if event.is_cancelled:
        parts.append(_("This event is cancelled."))
    if event.summary:
        parts.append(event.summary)
    text = markdown_to_text(event.description)
    if text:
        parts.append(text)
    if event.online_url:
        parts.append(_("Online: %(url)s") % {"url": event.online_url})
    parts.append(absolute_url(event.get_absolute_url()))
    return "\n\n".join(parts)


def _location(event: Event) -> str:
    if event.venue is not None:
        return ", ".join(p for p in (event.venue.name, event.venue.one_line_address) if p)
    return event.online_url


def _utc_stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
