"""The dashboard page and its CSV: who may see them, what they show, bad addresses, and their cost in queries."""

import csv
import datetime as dt
import io
import re
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from attendees import forms_dashboard
from events.models import Membership
from tests.attendees.factories import TicketFactory
from tests.factories import CommunityFactory, EventFactory, MembershipFactory, UserFactory

PARIS = zoneinfo.ZoneInfo("Europe/Paris")


def _url(community, name="dashboard", **params):
    url = reverse(f"dashboard:{name}", kwargs={"community": community.slug})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def _csv(response) -> list[list[str]]:
    body = b"".join(response) if response.streaming else response.content
    assert body.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))


def _text(response) -> str:
    """The page's text, tags dropped and spaces squeezed, for reading sentences as a person would."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


# Permissions


@pytest.mark.parametrize("name", ["dashboard", "csv"])
def test_anonymous_visitor_is_sent_to_log_in(client, community, name):
    response = client.get(_url(community, name))

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


@pytest.mark.parametrize("name", ["dashboard", "csv"])
def test_volunteer_is_refused(client, community, volunteer, name):
    client.force_login(volunteer)

    response = client.get(_url(community, name))

    assert response.status_code == 403
    assert b"Checked in" not in response.content


@pytest.mark.parametrize("name", ["dashboard", "csv"])
def test_organiser_of_another_community_is_refused(client, history, name):
    other = MembershipFactory(community=CommunityFactory()).user
    client.force_login(other)

    response = client.get(_url(history.community, name))

    assert response.status_code == 403
    assert b"Old" not in response.content


@pytest.mark.parametrize("name", ["dashboard", "csv"])
def test_unknown_community_is_not_found(client, user, name):
    client.force_login(user)

    response = client.get(reverse(f"dashboard:{name}", kwargs={"community": "nowhere"}))

    assert response.status_code == 404


def test_member_who_is_a_volunteer_elsewhere_but_organiser_here_sees_the_dashboard(client, history):
    user = UserFactory()
    MembershipFactory(community=history.community, user=user)
    MembershipFactory(community=CommunityFactory(), user=user, role=Membership.Role.VOLUNTEER)
    client.force_login(user)

    response = client.get(_url(history.community))

    assert response.status_code == 200
    assert [f.event.title for f in response.context["board"].figures] == ["A", "B", "C"]


# What the page shows


def test_dashboard_shows_the_totals_and_a_row_per_event(organiser_client, history):
    response = organiser_client.get(_url(history.community))

    text = _text(response)
    assert "Registrations 11" in text
    assert "Attendance 71.4% 5 of 7 confirmed" in text
    assert "No-shows 16.7% 1 at past events" in text
    assert "Returning fans 40.0% 2 came back" in text
    assert "New fans 3 at their first event" in text
    rows = re.findall(r'<tr>\s*<th scope="row"><a href="[^"]+">(\w)</a>.*?</tr>', response.content.decode(), re.S)
    assert rows == ["A", "B", "C"]
    assert "A " + history.a.start.astimezone(PARIS).strftime("%b %-d, %Y") + " 5 3 2 66.7% 1 33.3% 2 0.20" in text
    assert "C " + history.c.start.astimezone(PARIS).strftime("%b %-d, %Y") + " · to come 2 1 0 0.0% – – 3 0.60" in text


def test_dashboard_draws_the_three_plots_with_their_titles(organiser_client, history):
    response = organiser_client.get(_url(history.community))

    content = response.content.decode()
    svg = r'<svg class="chart" id="([\w-]+)"[^>]*role="img"[^>]*>\s*<title id="[\w-]+">([^<]+)</title>'
    titles = re.findall(svg, content)
    # Each plot twice: for laptops, and narrower for phones.
    assert titles == [
        ("chart-attendance", "Attendance and no-shows per event"),
        ("chart-attendance-narrow", "Attendance and no-shows per event"),
        ("chart-fans", "Returning and first-time attendees per event"),
        ("chart-fans-narrow", "Returning and first-time attendees per event"),
        ("chart-curves", "Registrations before the event"),
        ("chart-curves-narrow", "Registrations before the event"),
    ]
    # One piece of bar per number that is not zero: A checked in 2 / no-show 1, B checked in 3, C expected 1.
    tips = re.findall(r"<rect [^>]*><title>[^<]*· ([^<]+)</title>", content.split('id="chart-attendance-narrow"')[0])
    assert tips == ["Checked in: 2", "No-shows: 1", "Checked in: 3", "Expected: 1"]


def test_each_plot_has_a_legend_in_the_colours_of_its_series(organiser_client, history):
    content = organiser_client.get(_url(history.community, event=history.b.slug)).content.decode()

    legends = re.findall(r'<ul class="db-legend" aria-hidden="true">(.*?)</ul>', content)
    items = [re.findall(r'<span class="([^"]+)" style="([^"]+)"></span>([^<]+)</li>', legend) for legend in legends]
    assert items[0] == [
        ("db-swatch", "background: #5b3cc4", "Checked in"),
        ("db-swatch", "background: #e07a3f", "No-shows"),
        ("db-swatch", "background: #cfc6f2", "Expected"),
    ]
    assert items[1] == [
        ("db-swatch", "background: #5b3cc4", "Returning"),
        ("db-swatch", "background: #1f9a8a", "First time"),
    ]
    # The registration curves: line samples, the events before the chosen one dashed.
    assert [(kind, label.split(" (")[0]) for kind, _style, label in items[2]] == [
        ("db-swatch db-swatch--line db-swatch--dashed", "A"),
        ("db-swatch db-swatch--line", "B"),
    ]


def test_dashboard_compares_the_chosen_event_with_the_ones_before(organiser_client, history):
    response = organiser_client.get(_url(history.community, event=history.b.slug))

    assert response.context["chosen"] == history.b
    assert [c.event.title for c in response.context["curves"]] == ["A", "B"]
    assert f'<option value="{history.b.slug}" selected>' in response.content.decode()


def test_dashboard_in_french_writes_numbers_the_french_way(client, organiser, history):
    client.force_login(organiser)
    client.cookies["django_language"] = "fr"

    response = client.get(_url(history.community))

    text = _text(response)
    assert "66,7" in text
    assert "0,20" in text
    assert "66.7" not in text


def test_dashboard_without_events_says_so_and_draws_nothing(organiser_client, community):
    response = organiser_client.get(_url(community))

    assert "No published event in these dates" in _text(response)
    assert b"<svg" not in response.content


def test_dashboard_of_many_events_says_the_oldest_are_left_out(organiser_client, history, monkeypatch):
    from attendees import selectors_dashboard

    monkeypatch.setattr(selectors_dashboard, "MAX_EVENTS", 2)

    response = organiser_client.get(_url(history.community))

    assert "Only the latest 2 events of these dates are shown" in _text(response)


# The date range and bad addresses


def test_default_range_is_the_last_12_months_and_the_next_3(organiser_client, history):
    today = timezone.localtime(timezone.now(), PARIS).date()

    response = organiser_client.get(_url(history.community))

    period = response.context["period"]
    assert (period.first, period.last) == forms_dashboard.default_range(today=today)
    assert period.last - today == dt.timedelta(days=90)
    assert period.errors == []


def test_range_in_the_address_chooses_the_events(organiser_client, history):
    day_b = history.b.start.astimezone(PARIS).date()

    response = organiser_client.get(_url(history.community, **{"from": day_b.isoformat(), "to": day_b.isoformat()}))

    assert [f.event for f in response.context["board"].figures] == [history.b]
    assert f'value="{day_b.isoformat()}"' in response.content.decode()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"from": "2026-02-30"}, "“2026-02-30” is not a date we can use"),
        ({"to": "yesterday"}, "“yesterday” is not a date we can use"),
        ({"from": "12/03/2026"}, "“12/03/2026” is not a date we can use"),
        ({"from": "0001-01-01"}, "“0001-01-01” is not a date we can use"),
        ({"to": "9999-12-31"}, "“9999-12-31” is not a date we can use"),
        ({"from": "2026-05-01", "to": "2026-04-01"}, "The start date is after the end date."),
        ({"from": "1990-01-01", "to": "2026-01-01"}, "Choose a range of at most 10 years."),
        ({"from": "x" * 5000}, "“" + "x" * 40 + "” is not a date we can use"),
        ({"from": "2026-01-01%00"}, "is not a date we can use"),
    ],
)
def test_bad_dates_give_a_message_and_the_default_range(organiser_client, history, params, message):
    today = timezone.localtime(timezone.now(), PARIS).date()

    response = organiser_client.get(_url(history.community, **params))

    assert response.status_code == 200
    text = _text(response)
    assert message in text
    assert "Showing the default dates instead: the last 12 months and the next 3." in text
    period = response.context["period"]
    assert (period.first, period.last) == forms_dashboard.default_range(today=today)
    assert [f.event.title for f in response.context["board"].figures] == ["A", "B", "C"]


def test_unknown_event_gives_a_message_and_the_latest_event(organiser_client, history):
    response = organiser_client.get(_url(history.community, event="not-an-event"))

    assert "That event does not start within the chosen dates" in _text(response)
    assert response.context["chosen"] == history.c


def test_another_communitys_event_cannot_be_chosen(organiser_client, history):
    elsewhere = EventFactory(community=CommunityFactory(), start=history.a.start)

    response = organiser_client.get(_url(history.community, event=elsewhere.slug))

    assert response.context["chosen"] == history.c
    assert elsewhere.title not in response.content.decode()


def test_dashboard_refuses_post(organiser_client, community):
    response = organiser_client.post(_url(community))

    assert response.status_code == 405


# The CSV


def test_csv_round_trips_through_pythons_csv_module(organiser_client, history):
    response = organiser_client.get(_url(history.community, "csv"))

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    period = forms_dashboard.default_range(today=timezone.localtime(timezone.now(), PARIS).date())
    assert response["Content-Disposition"] == (
        f'attachment; filename="{history.community.slug}-{period[0].isoformat()}-{period[1].isoformat()}.csv"'
    )
    rows = _csv(response)

    def day(event):
        return event.start.astimezone(PARIS).strftime("%b %-d, %Y")

    assert rows == [
        [
            "Date",
            "Event",
            "Registrations",
            "Confirmed",
            "Checked in",
            "Attendance rate",
            "No-shows",
            "No-show rate",
            "Returning",
            "First time",
            "Returning rate",
            "Waiting list",
            "Capacity",
            "Waiting list per place",
        ],
        [day(history.a), "A", "5", "3", "2", "66.7%", "1", "33.3%", "1", "1", "50.0%", "2", "10", "0.20"],
        [day(history.b), "B", "4", "3", "3", "100.0%", "0", "0.0%", "1", "2", "33.3%", "0", "4", "0.00"],
        [day(history.c), "C", "2", "1", "0", "0.0%", "–", "–", "0", "0", "–", "3", "5", "0.60"],
        ["", "All events (3)", "11", "7", "5", "71.4%", "1", "16.7%", "2", "3", "40.0%", "", "", ""],
    ]


@pytest.mark.parametrize(
    ("title", "cell"),
    [
        ('=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'),
        ("+33 meetup", "'+33 meetup"),
        ("-1 talk", "'-1 talk"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTabbed", "'\tTabbed"),
        ("Crêpes & Çà — 東京 “meetup”", "Crêpes & Çà — 東京 “meetup”"),
        ("Plain = fine", "Plain = fine"),
    ],
)
def test_csv_neutralises_formulas_and_keeps_any_character(organiser_client, community, title, cell):
    EventFactory(community=community, title=title, start=timezone.now() - dt.timedelta(days=3))

    rows = _csv(organiser_client.get(_url(community, "csv")))

    assert rows[1][1] == cell
    assert len(rows) == 3


def test_csv_in_french_has_french_headers_numbers_and_dates(client, organiser, history):
    client.force_login(organiser)
    client.cookies["django_language"] = "fr"

    rows = _csv(client.get(_url(history.community, "csv")))

    assert rows[1][5].startswith("66,7")
    assert rows[1][13] == "0,20"
    assert rows[4][1].endswith("(3)")


def test_csv_follows_the_range_of_the_address(organiser_client, history):
    day_a = history.a.start.astimezone(PARIS).date().isoformat()

    rows = _csv(organiser_client.get(_url(history.community, "csv", **{"from": day_a, "to": day_a})))

    assert [row[1] for row in rows] == ["Event", "A", "All events (1)"]


def test_csv_with_bad_dates_uses_the_default_range(organiser_client, history):
    rows = _csv(organiser_client.get(_url(history.community, "csv", **{"from": "nonsense"})))

    assert [row[1] for row in rows[1:]] == ["A", "B", "C", "All events (3)"]


# Queries


def _events_with_tickets(community, count):
    now = timezone.now()
    for n in range(count):
        event = EventFactory(community=community, start=now - dt.timedelta(days=10 * (n + 1)))
        for checked_in in (True, False):
            TicketFactory(order__event=event, checked_in_at=now if checked_in else None)


@pytest.mark.parametrize("rows", [1, 3])
def test_dashboard_costs_a_fixed_number_of_queries(organiser_client, community, rows, django_assert_num_queries):
    _events_with_tickets(community, rows)

    # session, user, community with the membership's role, events, data version, ticket figures, waiting lists,
    # registration curves (the figures and curves from the cache on a second read: see tests/dashboard/test_cache.py)
    with django_assert_num_queries(8):
        response = organiser_client.get(_url(community))

    assert len(response.context["board"].figures) == rows


@pytest.mark.parametrize("rows", [1, 3])
def test_csv_costs_a_fixed_number_of_queries(organiser_client, community, rows, django_assert_num_queries):
    _events_with_tickets(community, rows)

    # session, user, community with the membership's role, events, data version, ticket figures, waiting lists
    with django_assert_num_queries(7):
        response = organiser_client.get(_url(community, "csv"))

    assert len(_csv(response)) == rows + 2


def test_community_page_links_to_the_dashboard(organiser_client, community):
    response = organiser_client.get(reverse("manage:community", kwargs={"community": community.slug}))

    link = f'<a class="card mg-quicklink" href="{_url(community)}"><strong>Dashboard</strong>'
    assert link in response.content.decode()
