"""What search engines and social networks read: schema.org JSON-LD, OpenGraph/Twitter meta, share links."""

import datetime as dt
import json
from urllib.parse import quote, urlencode

from django.conf import settings
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from events.markdown import excerpt, markdown_to_text
from events.models import Community, Event, TicketType

SCHEMA = "https://schema.org/"
OG_LOCALES = {"en": "en_GB", "fr": "fr_FR"}
_JSON_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def absolute(url: str) -> str:
    """An absolute address on this site (from settings.SITE_URL); addresses that already are absolute stay."""
    if url.startswith(("http://", "https://")):
        return url
    return settings.SITE_URL + url


def json_ld_script(data: dict) -> SafeString:
    """A <script type="application/ld+json"> element that no text in `data` can close early."""
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":")).translate(_JSON_ESCAPES)
    return mark_safe(f'<script type="application/ld+json">{payload}</script>')  # noqa: S308 (escaped above)


def event_description(event: Event) -> str:
    return excerpt(event.summary or markdown_to_text(event.description))


def event_json_ld(*, event: Event, ticket_types: list[TicketType], now: dt.datetime | None = None) -> dict:
    """schema.org Event, as search engines expect it for rich results."""
    now = now or timezone.now()
    url = absolute(event.get_absolute_url())
    data = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": event.title,
        "description": event_description(event),
        "url": url,
        "startDate": event.local_start.isoformat(),
        "endDate": event.local_end.isoformat(),
        "eventStatus": SCHEMA + ("EventCancelled" if event.is_cancelled else "EventScheduled"),
        "eventAttendanceMode": SCHEMA + _attendance_mode(event),
        "organizer": {
            "@type": "Organization",
            "name": event.community.name,
            "url": absolute(event.community.get_absolute_url()),
        },
    }
    locations = _locations(event)
    if locations:
        data["location"] = locations[0] if len(locations) == 1 else locations
    if event.cover:
        data["image"] = [absolute(event.cover.url)]
    if ticket_types:
        data["offers"] = [_offer(event, ticket_type, url, now) for ticket_type in ticket_types]
    return data


def community_json_ld(*, community: Community) -> dict:
    """schema.org Organization for a community page."""
    data = {
        "@context": "https://schema.org",
        "@type": "Organization",
        "name": community.name,
        "url": absolute(community.get_absolute_url()),
    }
    if community.tagline:
        data["description"] = community.tagline
    if community.logo:
        data["logo"] = absolute(community.logo.url)
    same_as = [url for _label, url in community.links]
    if same_as:
        data["sameAs"] = same_as
    return data


def social_meta(*, title: str, description: str, path: str, image_url: str = "", kind: str = "website") -> dict:
    """OpenGraph and Twitter card values for a page (rendered by templates/events/_social_meta.html)."""
    return {
        "title": title,
        "description": description,
        "url": absolute(path),
        "image": absolute(image_url) if image_url else "",
        "type": kind,
        "locale": OG_LOCALES.get(get_language() or "en", "en_GB"),
        "site_name": settings.SITE_NAME,
        "card": "summary_large_image" if image_url else "summary",
    }


def share_links(*, title: str, path: str) -> list[dict]:
    """Plain share links (no third-party script): e-mail, X, LinkedIn, WhatsApp."""
    url = absolute(path)
    text = f"{title} {url}"
    return [
        {
            "name": _("E-mail"),
            "key": "email",
            "url": "mailto:?" + urlencode({"subject": title, "body": text}, quote_via=quote),
        },
        {
            "name": "X",
            "key": "x",
            "url": "https://twitter.com/intent/tweet?" + urlencode({"text": title, "url": url}, quote_via=quote),
        },
        {
            "name": "LinkedIn",
            "key": "linkedin",
            "url": "https://www.linkedin.com/sharing/share-offsite/?" + urlencode({"url": url}, quote_via=quote),
        },
        {"name": "WhatsApp", "key": "whatsapp", "url": "https://wa.me/?" + urlencode({"text": text}, quote_via=quote)},
    ]


def _attendance_mode(event: Event) -> str:
    if event.venue is not None and event.online_url:
        return "MixedEventAttendanceMode"
    if event.online_url:
        return "OnlineEventAttendanceMode"
    return "OfflineEventAttendanceMode"


def _locations(event: Event) -> list[dict]:
    locations = []
    if event.venue is not None:
        venue = event.venue
        address = {"@type": "PostalAddress"}
        street = " ".join(venue.address.split())
        if street:
            address["streetAddress"] = street
        if venue.city:
            address["addressLocality"] = venue.city
        if venue.country:
            address["addressCountry"] = venue.country
        place = {"@type": "Place", "name": venue.name, "address": address}
        if venue.map_url:
            place["hasMap"] = venue.map_url
        locations.append(place)
    if event.online_url:
        locations.append({"@type": "VirtualLocation", "url": event.online_url})
    return locations


def _offer(event: Event, ticket_type: TicketType, url: str, now: dt.datetime) -> dict:
    offer = {
        "@type": "Offer",
        "name": ticket_type.name,
        "price": f"{ticket_type.price:.2f}",
        "priceCurrency": ticket_type.currency,
        "availability": SCHEMA + _availability(event, ticket_type, now),
        "url": url,
    }
    if ticket_type.sales_start:
        offer["validFrom"] = ticket_type.sales_start.astimezone(event.tz).isoformat()
    if ticket_type.sales_end:
        offer["validThrough"] = ticket_type.sales_end.astimezone(event.tz).isoformat()
    return offer


def _availability(event: Event, ticket_type: TicketType, now: dt.datetime) -> str:
    if event.is_cancelled or event.end < now or (ticket_type.sales_end and now >= ticket_type.sales_end):
        return "Discontinued"
    if event.is_sold_out or ticket_type.quantity_left == 0:
        return "SoldOut"
    if ticket_type.sales_start and now < ticket_type.sales_start:
        return "PreSale"
    return "InStock"
