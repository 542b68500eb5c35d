"""Tests for the public pages: home, community, event, calendar files, sitemap, robots, error pages."""

import datetime as dt
import html
import json
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone

from events.models import Event
from tests.factories import (
    CommunityFactory,
    EventFactory,
    MembershipFactory,
    TicketTypeFactory,
    UserFactory,
    VenueFactory,
)

PARIS = ZoneInfo("Europe/Paris")
NOW = timezone.now().replace(microsecond=0)
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_site_url")]


@pytest.fixture
def _site_url(settings):
    settings.SITE_URL = "https://rdv.example"


def make_event(days: float, **kwargs) -> Event:
    start = NOW + dt.timedelta(days=days)
    return EventFactory(start=start, end=start + dt.timedelta(hours=2), **kwargs)


def text_of(response) -> str:
    return response.content.decode()


def card_titles(response) -> list[str]:
    """The titles of the event cards, in page order."""
    found = re.findall(r'<h3 class="event-card__title"><a [^>]*>(.*?)</a></h3>', text_of(response), re.S)
    return [html.unescape(re.sub(r"<[^>]+>", "", title)) for title in found]


def past_titles(response) -> list[str]:
    found = re.findall(r'<li class="past-list__item">\s*<a href="[^"]+">(.*?)</a>', text_of(response))
    return [html.unescape(title) for title in found]


def json_ld_of(response) -> dict:
    [payload] = re.findall(r'<script type="application/ld\+json">(.*?)</script>', text_of(response), re.S)
    return json.loads(payload)


def meta_content(response, attribute: str, name: str) -> str:
    [value] = re.findall(rf'<meta {attribute}="{re.escape(name)}" content="([^"]*)">', text_of(response))
    return html.unescape(value)


# Home


def test_home_lists_upcoming_public_events_soonest_first(client):
    make_event(10, title="Later")
    make_event(2, title="Soon")
    make_event(5, title="Called off", status=Event.Status.CANCELLED)
    make_event(3, title="Secret draft", status=Event.Status.DRAFT)
    make_event(4, title="Hidden unlisted", visibility=Event.Visibility.UNLISTED)
    make_event(-3, title="Already over")

    response = client.get("/")

    assert card_titles(response) == ["Soon", "Cancelled: Called off", "Later"]
    content = text_of(response)
    for absent in ("Secret draft", "Hidden unlisted", "Already over"):
        assert absent not in content
    assert "3 events" in content
    assert '<h1 id="hero-title">Find your next meetup</h1>' in content


def test_home_past_events_are_latest_first(client):
    make_event(2, title="Upcoming")
    make_event(-30, title="Long ago")
    make_event(-2, title="Last week")

    response = client.get("/?when=past")

    assert card_titles(response) == ["Last week", "Long ago"]
    assert '<a class="tabs__tab" href="/?when=past" aria-current="page">Past events</a>' in text_of(response)
    assert '<meta name="robots" content="noindex, follow">' in text_of(response)


def test_home_card_shows_date_in_the_event_time_zone_and_availability(client):
    community = CommunityFactory(name="Paris Py")
    EventFactory(
        community=community,
        title="Late night",
        time_zone="Europe/Paris",
        start=dt.datetime(2030, 7, 5, 23, 30, tzinfo=PARIS),  # 21:30 UTC: still the 5th in Paris
        end=dt.datetime(2030, 7, 6, 1, 0, tzinfo=PARIS),
        capacity=20,
        seats_taken=8,
        venue=VenueFactory(community=community, city="Paris"),
    )
    EventFactory(
        title="Online and full",
        start=dt.datetime(2030, 7, 6, 18, 0, tzinfo=PARIS),
        end=dt.datetime(2030, 7, 6, 19, 0, tzinfo=PARIS),
        venue=None,
        online_url="https://meet.example/x",
        capacity=5,
        seats_taken=5,
    )
    EventFactory(
        title="No limit",
        start=dt.datetime(2030, 7, 7, 18, 0, tzinfo=PARIS),
        end=dt.datetime(2030, 7, 7, 19, 0, tzinfo=PARIS),
        capacity=None,
    )

    content = text_of(client.get("/"))

    assert '<span class="date-badge__month">Jul</span>\n      <span class="date-badge__day">5</span>' in content
    assert '<time datetime="2030-07-05T23:30:00+02:00">Fri, Jul 5, 2030 · 11:30 PM</time>' in content
    assert '<span class="event-card__community">Paris Py</span> · \n        <span>Paris</span>' in content
    assert '<span class="badge badge--ok">12 places left</span>' in content
    assert "<span>Online</span>" in content
    assert '<span class="badge badge--warn">Sold out</span>' in content
    assert content.count("places left") == 1


def test_home_card_date_has_no_year_this_year(client):
    event = make_event(0.1, title="Very soon", time_zone="Europe/Paris")
    local = event.start.astimezone(PARIS)

    content = text_of(client.get("/"))

    [when] = re.findall(r'<p class="event-card__when"><time datetime="[^"]+">(.*?)</time>', content)
    assert when.startswith(f"{local:%a}, {local:%b} {local.day} · ")
    assert str(local.year) not in when


def test_home_search_and_community_filter(client):
    paris = CommunityFactory(name="Paris Py", slug="paris-py")
    lyon = CommunityFactory(name="Lyon Data", slug="lyon-data")
    make_event(1, title="Rust in Paris", community=paris)
    make_event(2, title="Python in Paris", community=paris)
    make_event(3, title="Rust in Lyon", community=lyon)

    assert card_titles(client.get("/?q=rust")) == ["Rust in Paris", "Rust in Lyon"]
    response = client.get("/?q=rust&community=paris-py")
    assert card_titles(response) == ["Rust in Paris"]
    content = text_of(response)
    assert '<option value="paris-py" selected>Paris Py</option>' in content
    assert '<option value="lyon-data">Lyon Data</option>' in content
    assert 'value="rust"' in content
    assert "1 event · matching “rust” · Paris Py" in content


def test_home_community_select_lists_only_communities_with_public_events(client):
    make_event(1, community=CommunityFactory(name="Visible", slug="visible"))
    make_event(1, community=CommunityFactory(name="Drafts", slug="drafts"), status=Event.Status.DRAFT)

    select = text_of(client.get("/")).split('<select id="search-community" name="community">')[1].split("</select>")[0]
    options = re.findall(r'<option value="([^"]*)"', select)

    assert options == ["", "visible"]


def test_home_unknown_community_says_so_and_shows_every_event(client):
    make_event(1, title="One")
    make_event(2, title="Two")

    response = client.get("/?community=%3Cb%3Enope%3C/b%3E")

    assert card_titles(response) == ["One", "Two"]
    assert (
        "There is no community called “&lt;b&gt;nope&lt;/b&gt;” with public events, "
        "so here are the events of every community." in text_of(response)
    )


@pytest.mark.parametrize(
    "query",
    [
        "page=abc",
        "page=99999",
        "page=-1",
        "page=1.5",
        "page=",
        "community=" + "x" * 5000,
        "q=" + "long " * 2000,
        "q=%00%01nul",
        "when=%00&community=%00",
        "q=%25%5F%5C",
    ],
)
def test_home_malformed_query_strings_give_a_page(client, query):
    make_event(1, title="Still here")

    response = client.get("/?" + query)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert '<h1 id="hero-title">Find your next meetup</h1>' in text_of(response)


def test_home_paginates_twelve_events_a_page(client):
    for day in range(1, 15):
        make_event(day, title=f"Event {day:02d}")

    first = client.get("/?q=event")
    second = client.get("/?q=event&page=2")
    beyond = client.get("/?q=event&page=99999")

    assert card_titles(first) == [f"Event {day:02d}" for day in range(1, 13)]
    assert card_titles(second) == ["Event 13", "Event 14"]
    assert card_titles(beyond) == ["Event 13", "Event 14"]
    assert 'href="?q=event&amp;page=2">Next →</a>' in text_of(first)
    assert "Page 2 of 2" in text_of(second)
    assert 'href="?q=event&amp;page=1">← Previous</a>' in text_of(second)


def test_home_empty_states_say_what_to_do(client):
    nothing = text_of(client.get("/"))
    assert "No upcoming meetups right now." in nothing
    assert '<a class="button button--ghost" href="?when=past">See past events</a>' in nothing

    no_past = text_of(client.get("/?when=past"))
    assert "No past events yet." in no_past

    make_event(1, title="Rust night")
    no_match = text_of(client.get("/?q=haskell"))
    assert "No upcoming event matches your search." in no_match
    assert '<a class="button button--ghost" href="/">Clear the search</a>' in no_match
    assert "Rust night" not in no_match


def test_home_refuses_writes(client):
    response = client.post("/")

    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"


# Community page


@pytest.fixture
def paris(db):
    return CommunityFactory(
        name="Paris Py",
        slug="paris-py",
        tagline="Python in Paris",
        description="We meet **monthly**.\n\n<script>alert(1)</script>",
        website_url="https://parispy.example",
        mastodon_url="https://mastodon.example/@parispy",
    )


def test_community_page_shows_description_links_and_events(client, paris):
    make_event(8, title="Next month", community=paris)
    make_event(1, title="Tomorrow", community=paris)
    make_event(-1, title="Yesterday", community=paris, status=Event.Status.CANCELLED)
    make_event(-20, title="Last month", community=paris)
    make_event(2, title="Draft", community=paris, status=Event.Status.DRAFT)
    make_event(3, title="Unlisted", community=paris, visibility=Event.Visibility.UNLISTED)
    make_event(1, title="Someone else's")

    response = client.get("/c/paris-py/")

    content = text_of(response)
    assert card_titles(response) == ["Tomorrow", "Next month"]
    assert past_titles(response) == ["Yesterday", "Last month"]
    assert "<h1>Paris Py</h1>" in content
    assert '<p class="lead">Python in Paris</p>' in content
    assert "<p>We meet <strong>monthly</strong>.</p>" in content
    assert "alert(1)" not in content
    assert '<li><a href="https://parispy.example" rel="noopener me">Website</a></li>' in content
    assert '<li><a href="https://mastodon.example/@parispy" rel="noopener me">Mastodon</a></li>' in content
    for absent in ("Draft", "Unlisted", "Someone else"):
        assert absent not in content
    assert "All past events" not in content


def test_community_page_offers_webcal_https_and_google_subscriptions(client, paris):
    content = text_of(client.get("/c/paris-py/"))

    assert '<a class="button button--block" href="webcal://rdv.example/c/paris-py/calendar.ics">' in content
    assert 'value="https://rdv.example/c/paris-py/calendar.ics"' in content
    assert (
        'href="https://calendar.google.com/calendar/render?cid=webcal%3A%2F%2Frdv.example%2Fc%2Fparis-py%2Fcalendar.ics"'
        in content
    )
    assert (
        '<link rel="alternate" type="text/calendar" title="Events of Paris Py" '
        'href="https://rdv.example/c/paris-py/calendar.ics">' in content
    )


def test_community_page_has_social_meta_and_organization_json_ld(client, paris):
    response = client.get("/c/paris-py/")

    assert meta_content(response, "property", "og:title") == "Paris Py"
    assert meta_content(response, "property", "og:description") == "Python in Paris"
    assert meta_content(response, "property", "og:url") == "https://rdv.example/c/paris-py/"
    assert meta_content(response, "name", "twitter:card") == "summary"
    assert json_ld_of(response)["@type"] == "Organization"
    assert json_ld_of(response)["url"] == "https://rdv.example/c/paris-py/"


def test_community_page_without_events_invites_to_subscribe(client, paris):
    content = text_of(client.get("/c/paris-py/"))

    assert "No upcoming event announced yet." in content
    assert "No past events yet." in content
    assert card_titles(client.get("/c/paris-py/")) == []


def test_community_page_links_to_all_past_events_when_there_are_more(client, paris):
    for day in range(1, 8):
        make_event(-day, title=f"Past {day}", community=paris)

    response = client.get("/c/paris-py/")

    assert past_titles(response) == [f"Past {day}" for day in range(1, 7)]
    assert '<a href="/?when=past&amp;community=paris-py">All past events →</a>' in text_of(response)
    assert card_titles(client.get("/?when=past&community=paris-py")) == [f"Past {day}" for day in range(1, 8)]


def test_community_page_unknown_slug_is_a_friendly_404(client):
    response = client.get("/c/nobody/")

    assert response.status_code == 404
    assert "We could not find that page" in text_of(response)
    assert [t.name for t in response.templates][:2] == ["404.html", "base.html"]


# Community calendar feed


def test_community_calendar_is_a_feed_of_every_public_event(client, paris):
    make_event(2, title="Upcoming", community=paris)
    make_event(-2, title="Past", community=paris)
    make_event(1, title="Off", community=paris, status=Event.Status.CANCELLED)
    make_event(1, title="Draft", community=paris, status=Event.Status.DRAFT)
    make_event(1, title="Unlisted", community=paris, visibility=Event.Visibility.UNLISTED)
    make_event(1, title="Elsewhere")

    response = client.get("/c/paris-py/calendar.ics")

    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == 'inline; filename="paris-py.ics"'
    calendar = icalendar.Calendar.from_ical(response.content)
    assert str(calendar["X-WR-CALNAME"]) == "Paris Py"
    assert [(str(e["SUMMARY"]), str(e["STATUS"])) for e in calendar.walk("VEVENT")] == [
        ("Past", "CONFIRMED"),
        ("Cancelled: Off", "CANCELLED"),
        ("Upcoming", "CONFIRMED"),
    ]


def test_community_calendar_unknown_community_is_404(client):
    assert client.get("/c/nobody/calendar.ics").status_code == 404


# Event page


@pytest.fixture
def summer(paris):
    venue = VenueFactory(
        community=paris,
        name="La Cantine",
        address="12 rue de la Paix",
        city="Paris",
        country="France",
        map_url="https://osm.example/cantine",
    )
    return EventFactory(
        community=paris,
        title="Summer meetup",
        slug="summer-meetup",
        summary="Talks and drinks",
        description="## Programme\n\n- Talks\n- Drinks",
        time_zone="Europe/Paris",
        start=dt.datetime(2030, 7, 5, 19, 0, tzinfo=PARIS),
        end=dt.datetime(2030, 7, 5, 22, 30, tzinfo=PARIS),
        venue=venue,
        online_url="https://meet.example/summer",
        capacity=50,
        seats_taken=38,
    )


def test_event_page_shows_every_detail_in_the_event_time_zone(client, summer):
    TicketTypeFactory(event=summer, name="Standard", price=Decimal("12"), currency="EUR", position=1)
    TicketTypeFactory(event=summer, name="Student", price=Decimal("0"), position=2)

    response = client.get("/c/paris-py/summer-meetup/")

    content = text_of(response)
    assert response.status_code == 200
    assert "<title>Summer meetup · Paris Py</title>" in content
    assert (
        '<time class="fact__main" datetime="2030-07-05T19:00:00+02:00">Friday, July 5, 2030 · 7:00 PM – 10:30 PM</time>'
        in content
    )
    assert '<span class="fact__note">Times in Europe/Paris (UTC+02:00)</span>' in content
    assert (
        'data-start="2030-07-05T17:00:00+00:00" data-end="2030-07-05T20:30:00+00:00" data-tz="Europe/Paris"' in content
    )
    assert '<span class="fact__main">La Cantine</span>' in content
    assert '<address class="fact__note">12 rue de la Paix<br>Paris, France</address>' in content
    assert '<a class="fact__link" href="https://osm.example/cantine" rel="noopener">Open the map</a>' in content
    assert (
        '<a class="fact__link fact__url" href="https://meet.example/summer" rel="noopener">'
        "https://meet.example/summer</a>" in content
    )
    assert '<span class="fact__main">12 places left</span>' in content
    assert re.findall(
        r'<span class="ticket__name">(.*?)</span>\s*<span class="ticket__price">(.*?)</span>', content
    ) == [
        ("Standard", "€12.00"),
        ("Student", "Free"),
    ]
    assert '<dd><a class="fact__link" href="/c/paris-py/">Paris Py</a></dd>' in content
    assert "<h3>Programme</h3>" in content  # under the page's own "About this event" <h2>
    assert "<strong>Registration is open.</strong>" in content
    assert "<button" not in content.split('id="registration"')[1].split("</section>")[0]


def test_event_page_prices_and_dates_in_french(client, summer):
    TicketTypeFactory(event=summer, name="Standard", price=Decimal("1234.5"), currency="EUR")
    TicketTypeFactory(event=summer, name="Dollars", price=Decimal("12"), currency="USD")

    content = text_of(client.get("/c/paris-py/summer-meetup/", headers={"accept-language": "fr"}))

    assert re.findall(r'<span class="ticket__price">(.*?)</span>', content) == [
        "1\u00a0234,50\u00a0€",
        "12,00\u00a0$\u00a0US",
    ]
    assert ">vendredi 5 juillet 2030 · 19:00 – 22:30</time>" in content
    assert '<html lang="fr">' in content


def test_event_page_capacity_unlimited_is_not_mentioned(client, summer):
    summer.capacity = None
    summer.save()

    content = text_of(client.get("/c/paris-py/summer-meetup/"))

    assert "places left" not in content
    assert "Sold out" not in content
    assert ">Places</dt>" not in content


def test_event_page_sold_out(client, summer):
    summer.seats_taken = 50
    summer.save()
    TicketTypeFactory(event=summer, quantity=50, quantity_sold=50)

    content = text_of(client.get("/c/paris-py/summer-meetup/"))

    assert '<span class="fact__main text-danger">Sold out</span>' in content
    assert "<strong>Sold out.</strong> Every place has been taken." in content
    assert '<span class="badge badge--warn">Sold out</span>' in content


def test_event_page_one_place_left_is_singular(client, summer):
    summer.seats_taken = 49
    summer.save()

    assert '<span class="fact__main">1 place left</span>' in text_of(client.get("/c/paris-py/summer-meetup/"))


def test_event_page_registration_not_open_yet_says_when(client, summer):
    summer.registration_opens_at = dt.datetime(2030, 6, 1, 10, 0, tzinfo=PARIS)
    summer.save()

    content = text_of(client.get("/c/paris-py/summer-meetup/"))

    assert "<strong>Registration opens on Saturday, June 1, 2030, 10:00 AM.</strong>" in content


def test_event_page_registration_closed_and_ended(client, summer):
    summer.registration_closes_at = NOW - dt.timedelta(hours=1)
    summer.save()
    assert "<strong>Registration is closed.</strong>" in text_of(client.get("/c/paris-py/summer-meetup/"))

    past = make_event(-2, community=summer.community, slug="old")
    content = text_of(client.get(past.get_absolute_url()))
    assert "<strong>This event has ended.</strong>" in content
    assert "Add to calendar" not in content


def test_event_page_cancelled_says_so_at_the_top_and_in_the_title(client, summer):
    summer.status = Event.Status.CANCELLED
    summer.save()

    response = client.get("/c/paris-py/summer-meetup/")

    content = text_of(response)
    assert "<title>Cancelled: Summer meetup · Paris Py</title>" in content
    main = content.split('<main id="main" class="wrap">')[1]
    assert main.lstrip().startswith(
        '<div class="alert alert--danger alert--big" role="alert">\n'
        '  <p class="alert__title">This event is cancelled.</p>'
    )
    assert '<span class="badge badge--danger title-badge">Cancelled</span> Summer meetup</h1>' in content
    assert "<strong>Cancelled: registration is closed.</strong>" in content
    assert ">Places</dt>" not in content and "places left" not in content
    assert json_ld_of(response)["eventStatus"] == "https://schema.org/EventCancelled"


def test_event_page_share_and_calendar_links(client, summer):
    content = text_of(client.get("/c/paris-py/summer-meetup/"))

    assert 'href="/c/paris-py/summer-meetup/event.ics" download>Calendar file (.ics)</a>' in content
    assert (
        'href="https://calendar.google.com/calendar/render?action=TEMPLATE&amp;text=Summer%20meetup'
        "&amp;dates=20300705T170000Z%2F20300705T203000Z" in content
    )
    share = re.findall(r'<a class="share-link share-link--(\w+)" href="([^"]+)"', content)
    assert [key for key, _url in share] == ["email", "x", "linkedin", "whatsapp"]
    assert all("https%3A%2F%2Frdv.example%2Fc%2Fparis-py%2Fsummer-meetup%2F" in url for _key, url in share)
    assert 'data-copy="https://rdv.example/c/paris-py/summer-meetup/"' in content
    assert "<script src=" in content
    assert "twitter.com/widgets" not in content and "platform.linkedin" not in content


def test_event_page_has_json_ld_and_social_meta(client, summer):
    TicketTypeFactory(event=summer, name="Standard", price=Decimal("12"))

    response = client.get("/c/paris-py/summer-meetup/")

    data = json_ld_of(response)
    assert (data["@type"], data["startDate"], data["endDate"]) == (
        "Event",
        "2030-07-05T19:00:00+02:00",
        "2030-07-05T22:30:00+02:00",
    )
    assert data["eventAttendanceMode"] == "https://schema.org/MixedEventAttendanceMode"
    assert data["offers"][0]["price"] == "12.00"
    assert data["organizer"] == {"@type": "Organization", "name": "Paris Py", "url": "https://rdv.example/c/paris-py/"}
    assert meta_content(response, "property", "og:title") == "Summer meetup"
    assert meta_content(response, "property", "og:description") == "Talks and drinks"
    assert meta_content(response, "property", "og:url") == "https://rdv.example/c/paris-py/summer-meetup/"
    assert meta_content(response, "name", "twitter:card") == "summary"
    assert '<link rel="canonical" href="https://rdv.example/c/paris-py/summer-meetup/">' in text_of(response)
    assert 'name="robots"' not in text_of(response)


def test_event_page_unlisted_is_reachable_but_not_indexed_nor_listed(client, summer):
    summer.visibility = Event.Visibility.UNLISTED
    summer.save()

    response = client.get("/c/paris-py/summer-meetup/")

    assert '<meta name="robots" content="noindex">' in text_of(response)
    assert "<h1" in text_of(response) and "Summer meetup</h1>" in text_of(response)
    assert card_titles(client.get("/")) == []
    assert card_titles(client.get("/c/paris-py/")) == []
    assert b"Summer meetup" not in client.get("/c/paris-py/calendar.ics").content
    assert b"summer-meetup" not in client.get("/sitemap.xml").content


def test_event_page_draft_is_404_for_anyone_but_organisers(client, summer):
    summer.status = Event.Status.DRAFT
    summer.save()
    outsider = UserFactory()
    volunteer = MembershipFactory(community=summer.community, role="volunteer").user
    other_organiser = MembershipFactory(community=CommunityFactory()).user

    assert client.get("/c/paris-py/summer-meetup/").status_code == 404
    for user in (outsider, volunteer, other_organiser):
        client.force_login(user)
        response = client.get("/c/paris-py/summer-meetup/")
        assert (user.email, response.status_code) == (user.email, 404)
        assert client.get("/c/paris-py/summer-meetup/event.ics").status_code == 404


def test_event_page_draft_shows_organisers_a_banner_and_edit_link(client, summer):
    summer.status = Event.Status.DRAFT
    summer.save()
    client.force_login(MembershipFactory(community=summer.community).user)

    response = client.get("/c/paris-py/summer-meetup/")

    content = text_of(response)
    assert "<strong>Draft: only organisers can see this page.</strong>" in content
    edit_url = reverse("manage:event_edit", kwargs={"community": "paris-py", "event": "summer-meetup"})
    assert f'<a class="button button--small" href="{edit_url}">Edit the event</a>' in content
    assert '<meta name="robots" content="noindex">' in content
    assert "application/ld+json" not in content
    assert "share-link" not in content
    assert client.get("/c/paris-py/summer-meetup/event.ics").status_code == 200


def test_event_page_published_shows_organisers_an_edit_link(organiser_client, community):
    event = make_event(3, community=community, slug="published")

    content = text_of(organiser_client.get(event.get_absolute_url()))

    assert "You organise this event." in content
    assert reverse("manage:event_edit", kwargs={"community": community.slug, "event": "published"}) in content
    assert "Draft:" not in content


@pytest.mark.parametrize("path", ["/c/paris-py/nope/", "/c/other/summer-meetup/", "/c/paris-py/nope/event.ics"])
def test_event_page_unknown_or_mismatched_slugs_are_404(client, summer, path):
    CommunityFactory(slug="other")

    response = client.get(path)

    assert response.status_code == 404
    assert "We could not find that page" in text_of(response)


# Event .ics download


def test_event_ics_download_is_an_attachment_with_the_event(client, summer):
    response = client.get("/c/paris-py/summer-meetup/event.ics")

    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="summer-meetup.ics"'
    [vevent] = icalendar.Calendar.from_ical(response.content).walk("VEVENT")
    assert str(vevent["UID"]) == f"{summer.uid}@rendezvous"
    assert vevent["DTSTART"].params["TZID"] == "Europe/Paris"


def test_event_ics_of_an_unlisted_event_is_served(client, summer):
    summer.visibility = Event.Visibility.UNLISTED
    summer.save()

    response = client.get("/c/paris-py/summer-meetup/event.ics")

    assert str(icalendar.Calendar.from_ical(response.content).walk("VEVENT")[0]["SUMMARY"]) == "Summer meetup"


# Sitemap, robots, error pages


def test_sitemap_lists_home_communities_and_listed_events(client, paris, summer):
    make_event(1, community=paris, slug="draft", status=Event.Status.DRAFT)
    make_event(1, community=paris, slug="unlisted", visibility=Event.Visibility.UNLISTED)
    make_event(-5, community=paris, slug="off", status=Event.Status.CANCELLED)
    CommunityFactory(slug="quiet", name="Quiet")

    response = client.get("/sitemap.xml")

    assert response["Content-Type"] == "application/xml"
    assert re.findall(r"<loc>(.*?)</loc>", text_of(response)) == [
        "https://rdv.example/",
        "https://rdv.example/c/paris-py/",
        "https://rdv.example/c/quiet/",
        "https://rdv.example/c/paris-py/summer-meetup/",
        "https://rdv.example/c/paris-py/off/",
    ]


def test_robots_txt_points_to_the_sitemap_and_keeps_private_areas_out(client):
    response = client.get("/robots.txt")

    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert text_of(response) == (
        "User-agent: *\nDisallow: /manage/\nDisallow: /accounts/\nDisallow: /admin/\n\n"
        "Sitemap: https://rdv.example/sitemap.xml\n"
    )


def test_500_page_is_standalone_html():
    content = get_template("500.html").render({})

    assert content.startswith("<!doctype html>")
    assert "<h1>Something went wrong on our side</h1>" in content
    assert "{%" not in content and "extends" not in content
    assert '<a href="/">Back to the events</a>' in content


# Query counts (cold cache: conftest empties it before every test)


@pytest.mark.parametrize("rows", [1, 3])
def test_home_query_count(client, django_assert_num_queries, rows):
    for day in range(rows):
        make_event(day + 1, community=CommunityFactory())

    # Explain any new query: version, communities for the filter, count, page of events.
    with django_assert_num_queries(4):
        response = client.get("/")

    assert len(card_titles(response)) == rows


@pytest.mark.parametrize("rows", [1, 3])
def test_home_query_count_signed_in(client, django_assert_num_queries, rows):
    for day in range(rows):
        make_event(day + 1, community=CommunityFactory())
    client.force_login(UserFactory())

    # Explain any new query: session, user, communities for the filter, count, page of events.
    with django_assert_num_queries(5):
        response = client.get("/")

    assert len(card_titles(response)) == rows


@pytest.mark.parametrize("rows", [1, 3])
def test_community_page_query_count(client, django_assert_num_queries, paris, rows):
    for day in range(rows):
        make_event(day + 1, community=paris)
        make_event(-day - 1, community=paris)

    # Explain any new query: the page's version, the community, upcoming events, past events.
    with django_assert_num_queries(4):
        response = client.get("/c/paris-py/")

    assert (len(card_titles(response)), len(past_titles(response))) == (rows, rows)


@pytest.mark.parametrize("rows", [1, 3])
def test_event_page_query_count(client, django_assert_num_queries, summer, rows):
    for position in range(rows):
        TicketTypeFactory(event=summer, position=position, name=f"Ticket {position}")

    # Explain any new query: the page's version; the event with community and venue; its ticket types.
    with django_assert_num_queries(3):
        response = client.get("/c/paris-py/summer-meetup/")

    assert len(re.findall(r'<span class="ticket__name">', text_of(response))) == rows


@pytest.mark.parametrize("rows", [1, 3])
def test_event_page_query_count_for_an_organiser(organiser_client, django_assert_num_queries, community, rows):
    event = make_event(3, community=community)
    for position in range(rows):
        TicketTypeFactory(event=event, position=position)

    # Explain any new query: session, user, the event, the organiser check, its ticket types.
    with django_assert_num_queries(5):
        response = organiser_client.get(event.get_absolute_url())

    assert "You organise this event." in text_of(response)
    assert len(re.findall(r'<span class="ticket__name">', text_of(response))) == rows


@pytest.mark.parametrize("rows", [1, 3])
def test_community_calendar_query_count(client, django_assert_num_queries, paris, rows):
    for day in range(rows):
        make_event(day + 1, community=paris)

    # Explain any new query: the feed's version, the community, its public events with their venues.
    with django_assert_num_queries(3):
        response = client.get("/c/paris-py/calendar.ics")

    assert len(icalendar.Calendar.from_ical(response.content).walk("VEVENT")) == rows
