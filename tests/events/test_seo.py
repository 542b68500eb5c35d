"""Tests for events.seo: schema.org JSON-LD, social meta and share links."""

import datetime as dt
import json
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from events import seo
from events.models import Event
from tests.factories import CommunityFactory, EventFactory, TicketTypeFactory, VenueFactory

PARIS = ZoneInfo("Europe/Paris")
NOW = dt.datetime(2030, 6, 1, 12, 0, tzinfo=dt.UTC)
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_site_url")]


@pytest.fixture
def _site_url(settings):
    settings.SITE_URL = "https://rdv.example"


@pytest.fixture
def event():
    community = CommunityFactory(name="Paris Py", slug="paris-py")
    return EventFactory(
        community=community,
        title="Summer meetup",
        slug="summer-meetup",
        summary="Talks and drinks",
        start=dt.datetime(2030, 7, 5, 19, 0, tzinfo=PARIS),
        end=dt.datetime(2030, 7, 5, 22, 0, tzinfo=PARIS),
        venue=VenueFactory(
            community=community, name="La Cantine", address="12 rue\nde la Paix", city="Paris", country="France"
        ),
        capacity=50,
    )


def test_event_json_ld_describes_a_scheduled_event_at_a_venue(event):
    free = TicketTypeFactory(event=event, name="Free", price=Decimal("0"), quantity=40)
    paid = TicketTypeFactory(event=event, name="Supporter", price=Decimal("12.5"), currency="EUR", quantity=10)

    data = seo.event_json_ld(event=event, ticket_types=[free, paid], now=NOW)

    url = "https://rdv.example/c/paris-py/summer-meetup/"
    assert data == {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": "Summer meetup",
        "description": "Talks and drinks",
        "url": url,
        "startDate": "2030-07-05T19:00:00+02:00",
        "endDate": "2030-07-05T22:00:00+02:00",
        "eventStatus": "https://schema.org/EventScheduled",
        "eventAttendanceMode": "https://schema.org/OfflineEventAttendanceMode",
        "organizer": {"@type": "Organization", "name": "Paris Py", "url": "https://rdv.example/c/paris-py/"},
        "location": {
            "@type": "Place",
            "name": "La Cantine",
            "address": {
                "@type": "PostalAddress",
                "streetAddress": "12 rue de la Paix",
                "addressLocality": "Paris",
                "addressCountry": "France",
            },
            "hasMap": "https://www.openstreetmap.org/?mlat=48.87&mlon=2.33",
        },
        "offers": [
            {
                "@type": "Offer",
                "name": "Free",
                "price": "0.00",
                "priceCurrency": "EUR",
                "availability": "https://schema.org/InStock",
                "url": url,
            },
            {
                "@type": "Offer",
                "name": "Supporter",
                "price": "12.50",
                "priceCurrency": "EUR",
                "availability": "https://schema.org/InStock",
                "url": url,
            },
        ],
    }


def test_event_json_ld_cancelled_mixed_event_with_cover(event):
    event.status = Event.Status.CANCELLED
    event.online_url = "https://meet.example/summer"
    event.cover = SimpleUploadedFile("cover.jpg", b"not read", content_type="image/jpeg")
    event.cover.name = "covers/summer.jpg"

    data = seo.event_json_ld(event=event, ticket_types=[], now=NOW)

    assert data["eventStatus"] == "https://schema.org/EventCancelled"
    assert data["eventAttendanceMode"] == "https://schema.org/MixedEventAttendanceMode"
    assert [place["@type"] for place in data["location"]] == ["Place", "VirtualLocation"]
    assert data["location"][1] == {"@type": "VirtualLocation", "url": "https://meet.example/summer"}
    assert data["image"] == ["https://rdv.example/media/covers/summer.jpg"]
    assert "offers" not in data


def test_event_json_ld_online_only_has_a_virtual_location(event):
    event.venue = None
    event.online_url = "https://meet.example/summer"

    data = seo.event_json_ld(event=event, ticket_types=[], now=NOW)

    assert data["eventAttendanceMode"] == "https://schema.org/OnlineEventAttendanceMode"
    assert data["location"] == {"@type": "VirtualLocation", "url": "https://meet.example/summer"}


@pytest.mark.parametrize(
    ("changes", "availability"),
    [
        ({}, "InStock"),
        ({"quantity_sold": 10}, "SoldOut"),
        ({"sales_start": NOW + dt.timedelta(days=1)}, "PreSale"),
        ({"sales_end": NOW - dt.timedelta(days=1)}, "Discontinued"),
    ],
)
def test_event_json_ld_offer_availability_follows_the_ticket_type(event, changes, availability):
    ticket_type = TicketTypeFactory(event=event, quantity=10, **changes)

    [offer] = seo.event_json_ld(event=event, ticket_types=[ticket_type], now=NOW)["offers"]

    assert offer["availability"] == "https://schema.org/" + availability


def test_event_json_ld_offer_has_sales_window_in_the_event_time_zone(event):
    ticket_type = TicketTypeFactory(
        event=event,
        sales_start=dt.datetime(2030, 5, 1, 8, 0, tzinfo=dt.UTC),
        sales_end=dt.datetime(2030, 7, 5, 12, 0, tzinfo=dt.UTC),
    )

    [offer] = seo.event_json_ld(event=event, ticket_types=[ticket_type], now=NOW)["offers"]

    assert (offer["validFrom"], offer["validThrough"]) == ("2030-05-01T10:00:00+02:00", "2030-07-05T14:00:00+02:00")


def test_event_json_ld_sold_out_event_sells_no_ticket(event):
    event.seats_taken = 50
    ticket_type = TicketTypeFactory(event=event, quantity=100, quantity_sold=50)

    [offer] = seo.event_json_ld(event=event, ticket_types=[ticket_type], now=NOW)["offers"]

    assert offer["availability"] == "https://schema.org/SoldOut"


def test_community_json_ld_is_an_organization_with_its_links():
    community = CommunityFactory(
        name="Paris Py",
        slug="paris-py",
        tagline="Python in Paris",
        website_url="https://parispy.example",
        mastodon_url="https://mastodon.example/@parispy",
    )

    assert seo.community_json_ld(community=community) == {
        "@context": "https://schema.org",
        "@type": "Organization",
        "name": "Paris Py",
        "url": "https://rdv.example/c/paris-py/",
        "description": "Python in Paris",
        "sameAs": ["https://parispy.example", "https://mastodon.example/@parispy"],
    }


def test_json_ld_script_cannot_be_closed_by_the_data():
    html = seo.json_ld_script({"name": "</script><script>alert(1)</script> & more"})

    assert html == (
        '<script type="application/ld+json">'
        '{"name":"\\u003C/script\\u003E\\u003Cscript\\u003Ealert(1)\\u003C/script\\u003E \\u0026 more"}</script>'
    )
    payload = html.removeprefix('<script type="application/ld+json">').removesuffix("</script>")
    assert json.loads(payload) == {"name": "</script><script>alert(1)</script> & more"}


def test_social_meta_uses_absolute_urls_and_the_language():
    with translation.override("fr"):
        meta = seo.social_meta(title="Apéro", description="Du vin", path="/c/lyon/apero/", image_url="/media/a.png")

    assert meta == {
        "title": "Apéro",
        "description": "Du vin",
        "url": "https://rdv.example/c/lyon/apero/",
        "image": "https://rdv.example/media/a.png",
        "type": "website",
        "locale": "fr_FR",
        "site_name": "Rendezvous",
        "card": "summary_large_image",
    }


def test_social_meta_without_image_is_a_small_card():
    meta = seo.social_meta(title="T", description="D", path="/")

    assert (meta["image"], meta["card"], meta["locale"]) == ("", "summary", "en_GB")


def test_share_links_are_plain_links_with_the_absolute_url():
    links = seo.share_links(title="Summer meetup", path="/c/paris-py/summer-meetup/")

    assert [(link["key"], link["url"]) for link in links] == [
        (
            "email",
            "mailto:?subject=Summer%20meetup&body=Summer%20meetup%20"
            "https%3A%2F%2Frdv.example%2Fc%2Fparis-py%2Fsummer-meetup%2F",
        ),
        (
            "x",
            "https://twitter.com/intent/tweet?text=Summer%20meetup"
            "&url=https%3A%2F%2Frdv.example%2Fc%2Fparis-py%2Fsummer-meetup%2F",
        ),
        (
            "linkedin",
            "https://www.linkedin.com/sharing/share-offsite/?url=https%3A%2F%2Frdv.example%2Fc%2Fparis-py%2Fsummer-meetup%2F",
        ),
        (
            "whatsapp",
            "https://wa.me/?text=Summer%20meetup%20https%3A%2F%2Frdv.example%2Fc%2Fparis-py%2Fsummer-meetup%2F",
        ),
    ]
