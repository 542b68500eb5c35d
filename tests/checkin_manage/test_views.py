"""Organiser pages of the door: the doors page (links, QR codes, add, rename, limit, move, delete) and the stats."""

import datetime as dt
import re
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from checkin.models import CheckIn, Door
from checkin.services.doors import create_door, doors_for
from tests.checkin_manage.helpers import scan, ticket
from tests.factories import EventFactory, MembershipFactory, TicketTypeFactory

pytestmark = pytest.mark.django_db

PARIS = zoneinfo.ZoneInfo("Europe/Paris")


@pytest.fixture
def event(community):
    return EventFactory(community=community, title="Build Night")


def _url(name, event, **kwargs):
    return reverse(f"checkin_manage:{name}", kwargs={"community": event.community.slug, "event": event.slug, **kwargs})


def _messages(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


def test_doors_page_shows_the_main_door_with_its_link_and_qr(organiser_client, event, settings):
    settings.SITE_URL = "https://rdv.example.org"

    response = organiser_client.get(_url("doors", event))

    door = Door.objects.get(event=event)
    html = response.content.decode()
    assert response.status_code == 200
    assert [card["door"] for card in response.context["cards"]] == [door]
    assert response.context["cards"][0]["link"] == f"https://rdv.example.org/d/{door.code}/"
    assert f'href="https://rdv.example.org/d/{door.code}/"' in html
    assert html.count("<svg ") == 1
    assert 'class="qr"' in html
    assert 'aria-label="QR code of the link to Main door"' in html
    assert "sign in with the e-mail address they were invited with: a code is sent to it" in html
    assert "Admits every ticket type" in html
    # The only door cannot be deleted: no delete link.
    assert _url("door_delete", event, door=door.pk) not in html


def test_doors_page_qr_encodes_the_door_link(organiser_client, event, settings):
    from attendees.qr import qr_svg

    settings.SITE_URL = "https://rdv.example.org"
    response = organiser_client.get(_url("doors", event))
    door = Door.objects.get(event=event)

    expected = qr_svg(f"https://rdv.example.org/d/{door.code}/", label="QR code of the link to Main door")
    assert expected in response.content.decode()


def test_doors_page_lists_limits_and_actions(organiser_client, event):
    speaker = TicketTypeFactory(event=event, name="Speaker", position=1)
    staff = TicketTypeFactory(event=event, name="Staff", position=0)
    doors_for(event=event)
    side = create_door(event=event, name="Speakers", ticket_types=[speaker.pk, staff.pk])

    response = organiser_client.get(_url("doors", event))

    html = response.content.decode()
    assert [(c["door"].name, c["overview"].ticket_types) for c in response.context["cards"]] == [
        ("Main door", []),
        ("Speakers", ["Staff", "Speaker"]),
    ]
    assert "Admits: Staff, Speaker" in html
    assert _url("door_delete", event, door=side.pk) in html

    scan(side, at=timezone.now(), successful=False, reason="unknown")
    html = organiser_client.get(_url("doors", event)).content.decode()

    assert "Admits: Staff, Speaker · 1 scan recorded" in html
    assert _url("door_delete", event, door=side.pk) not in html  # it would be refused: a door with scans stays


def test_doors_page_costs_a_fixed_number_of_queries(organiser_client, event, django_assert_num_queries):
    doors_for(event=event)
    organiser_client.get(_url("doors", event))  # session warmed up
    # session, user, event with its community and the membership's role, doors, limits, scans per door: explain
    # any new query.
    with django_assert_num_queries(6):
        organiser_client.get(_url("doors", event))
    create_door(event=event, name="Side")
    create_door(event=event, name="Back", ticket_types=[TicketTypeFactory(event=event).pk])
    scan(Door.objects.get(event=event, name="Side"), at=timezone.now(), successful=False, reason="unknown")
    with django_assert_num_queries(6):
        organiser_client.get(_url("doors", event))


def test_door_create_adds_a_limited_door(organiser_client, event):
    student = TicketTypeFactory(event=event, name="Student")
    doors_for(event=event)

    response = organiser_client.post(_url("door_create", event), {"name": "Students", "ticket_types": [student.pk]})

    door = Door.objects.get(event=event, name="Students")
    assert response.status_code == 302
    assert response["Location"] == _url("doors", event)
    assert list(door.ticket_types.all()) == [student]


def test_door_create_with_a_taken_name_says_so_and_adds_nothing(organiser_client, event):
    doors_for(event=event)

    response = organiser_client.post(_url("door_create", event), {"name": "main door"})

    assert response.status_code == 200
    assert response.context["form"].errors == {"name": ["This event already has a door named “main door”."]}
    assert Door.objects.filter(event=event).count() == 1


def test_door_create_with_a_ticket_type_of_another_event_is_refused(organiser_client, event):
    other = TicketTypeFactory()

    response = organiser_client.post(_url("door_create", event), {"name": "Side", "ticket_types": [other.pk, "x"]})

    assert response.status_code == 200
    assert response.context["form"].errors == {"ticket_types": ["Choose ticket types of this event from the list."]}
    assert not Door.objects.filter(event=event, name="Side").exists()


def test_door_edit_renames_and_clears_the_limit(organiser_client, event):
    general = TicketTypeFactory(event=event)
    door = create_door(event=event, name="Side", ticket_types=[general.pk])

    page = organiser_client.get(_url("door_edit", event, door=door.pk))
    response = organiser_client.post(_url("door_edit", event, door=door.pk), {"name": "Back door"})

    door.refresh_from_db()
    assert page.context["form"].initial == {"name": "Side", "ticket_types": [general]}
    assert response.status_code == 302
    assert (door.name, list(door.ticket_types.all())) == ("Back door", [])


def test_door_delete_asks_then_deletes(organiser_client, event):
    doors_for(event=event)
    side = create_door(event=event, name="Side")

    page = organiser_client.get(_url("door_delete", event, door=side.pk))
    response = organiser_client.post(_url("door_delete", event, door=side.pk), follow=True)

    assert page.context["title"] == "Delete the door “Side”?"
    assert _messages(response) == ["Door “Side” deleted."]
    assert list(Door.objects.filter(event=event).values_list("name", flat=True)) == ["Main door"]


def test_door_delete_of_the_last_door_says_why_and_keeps_it(organiser_client, event):
    door = doors_for(event=event)[0]

    response = organiser_client.post(_url("door_delete", event, door=door.pk), follow=True)

    assert _messages(response) == ["An event needs at least one door: add another one before deleting this one."]
    assert Door.objects.filter(pk=door.pk).exists()


def test_door_move_reorders(organiser_client, event):
    doors_for(event=event)
    side = create_door(event=event, name="Side")

    organiser_client.post(_url("door_move", event, door=side.pk), {"direction": "up"})
    response = organiser_client.post(_url("door_move", event, door=side.pk), {"direction": "<script>"}, follow=True)

    assert list(Door.objects.filter(event=event).values_list("name", flat=True)) == ["Side", "Main door"]
    assert _messages(response) == ["Move the door up or down."]


def test_door_pages_of_another_event_door_are_404(organiser_client, event, community):
    other_event = EventFactory(community=community)
    other_door = doors_for(event=other_event)[0]

    responses = [
        organiser_client.get(_url("door_edit", event, door=other_door.pk)),
        organiser_client.post(_url("door_delete", event, door=other_door.pk)),
        organiser_client.post(_url("door_move", event, door=other_door.pk), {"direction": "up"}),
    ]

    assert [r.status_code for r in responses] == [404, 404, 404]
    assert Door.objects.filter(pk=other_door.pk).exists()


def test_volunteer_gets_403_on_the_organiser_door_pages(client, event):
    volunteer = MembershipFactory(community=event.community, role="volunteer").user
    client.force_login(volunteer)

    responses = [
        client.get(_url("doors", event)),
        client.get(_url("stats", event)),
        client.get(_url("stats_live", event)),
    ]

    assert [r.status_code for r in responses] == [403, 403, 403]
    assert not Door.objects.filter(event=event).exists()


def test_event_page_links_to_the_door_pages(organiser_client, event):
    response = organiser_client.get(
        reverse("manage:event", kwargs={"community": event.community.slug, "event": event.slug})
    )

    html = response.content.decode()
    assert f'href="{_url("doors", event)}">Door check-in</a>' in html
    assert f'href="{_url("stats", event)}">Door stats</a>' in html


def _live_event(community):
    now = timezone.now()
    return EventFactory(community=community, start=now - dt.timedelta(minutes=30), end=now + dt.timedelta(hours=2))


def test_stats_page_shows_the_figures_and_polls_while_the_event_is_on(organiser_client, community):
    event = _live_event(community)
    general = TicketTypeFactory(event=event, name="General")
    main = doors_for(event=event)[0]
    camille = ticket(event, general, name="Camille")
    ticket(event, general, name="Alex")
    scan(main, camille, at=timezone.now() - dt.timedelta(minutes=20))
    scan(main, at=timezone.now() - dt.timedelta(minutes=10), successful=False, reason=CheckIn.Reason.UNKNOWN)

    response = organiser_client.get(_url("stats", event))

    html = response.content.decode()
    figures = dict(re.findall(r'data-figure="(\w+)">(\d+)<', html))
    assert figures == {"checked_in": "1", "expected": "2", "inside": "1", "refused": "1", "conflicts": "0"}
    assert f'hx-get="{_url("stats_live", event)}"' in html
    assert 'hx-trigger="every 5s"' in html
    assert "vendor/htmx.min.js" in html
    assert '<td>Unknown code</td><td class="ck-num">1</td>' in html
    assert html.count('<rect class="ck-bar"') == len(response.context["stats"].arrivals)
    assert "<script>" not in html and " style=" not in html  # the page runs under a strict CSP
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_stats_page_of_a_past_event_does_not_poll(organiser_client, community):
    now = timezone.now()
    event = EventFactory(
        community=community, start=now - dt.timedelta(days=3), end=now - dt.timedelta(days=3) + dt.timedelta(hours=2)
    )

    response = organiser_client.get(_url("stats", event))

    html = response.content.decode()
    assert "hx-get" not in html
    assert "vendor/htmx.min.js" not in html
    assert "Nobody has been checked in yet" in html


def test_stats_live_returns_the_partial_for_the_chosen_door(organiser_client, community):
    event = _live_event(community)
    doors_for(event=event)
    side = create_door(event=event, name="Side")
    scan(side, ticket(event, TicketTypeFactory(event=event)), at=timezone.now())

    response = organiser_client.get(_url("stats_live", event) + f"?door={side.pk}")

    html = response.content.decode()
    assert html.startswith('<div id="door-stats"')
    assert "<html" not in html
    assert f'hx-get="{_url("stats_live", event)}?door={side.pk}"' in html
    assert response.context["door"] == side


@pytest.mark.parametrize("door", ["abc", "-1", "99999999999999999999", "1e3", "%00"])
def test_stats_with_a_bad_door_parameter_shows_every_door(organiser_client, event, door):
    response = organiser_client.get(_url("stats", event), {"door": door})

    assert response.status_code == 200
    assert response.context["door"] is None


@pytest.mark.parametrize("rows", [1, 3])
def test_stats_costs_a_fixed_number_of_queries(organiser_client, community, rows, django_assert_num_queries):
    event = _live_event(community)
    general = TicketTypeFactory(event=event)
    main = doors_for(event=event)[0]
    for n in range(rows):
        holder = ticket(event, general)
        scan(main, holder, at=timezone.now() - dt.timedelta(minutes=n), device=f"d-{n}")
        scan(main, holder, at=timezone.now(), device=f"e-{n}", conflict=True)  # a conflict per ticket
        scan(main, at=timezone.now(), successful=False, reason="unknown")
    organiser_client.get(_url("stats", event))

    # session, user, event with its community and the membership's role, doors, door limits, expected, scans,
    # conflicts: explain any new query before raising these numbers.
    with django_assert_num_queries(8):
        page = organiser_client.get(_url("stats", event))
    with django_assert_num_queries(8):
        live = organiser_client.get(_url("stats_live", event))

    assert len(page.context["stats"].conflicts) == rows
    assert live.context["stats"].total.checked_in == rows


def test_stats_page_shows_times_in_the_event_time_zone(organiser_client, community, settings):
    settings.TIME_ZONE = "UTC"
    start = dt.datetime(2026, 11, 21, 23, 0, tzinfo=dt.UTC)  # 18:00 in New York
    event = EventFactory(
        community=community, start=start, end=start + dt.timedelta(hours=2), time_zone="America/New_York"
    )
    main = doors_for(event=event)[0]
    holder = ticket(event, TicketTypeFactory(event=event), name="Camille")
    scan(main, holder, at=start + dt.timedelta(minutes=3), device="d-a")
    scan(main, holder, at=start + dt.timedelta(minutes=4), device="d-b", conflict=True)

    html = organiser_client.get(_url("stats", event)).content.decode()

    assert "2 scans, the last at 18:04." in html
    assert "<tr><td>18:00</td><td>1</td></tr>" in html
    assert "18:03:00 at Main door, device d-a" in html
    assert ">18:00</text>" in html
