"""The door pages: who may open them, what they carry for door.js, the short link and the service worker."""

import datetime as dt
import json
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from checkin.access import door_for_token
from checkin.csp import DOOR_CSP
from checkin.models import Door
from events.models import Event, Membership
from tests.factories import CommunityFactory, EventFactory, MembershipFactory, UserFactory


@pytest.fixture
def event(community):
    return EventFactory(community=community, title="Rust & Pizza Night")


@pytest.fixture
def door(event):
    return Door.objects.create(event=event, name="Main door")


def door_config(response) -> dict:
    match = re.search(r'<script id="door-config" type="application/json">(.*?)</script>', response.content.decode())
    assert match, "the page carries its configuration as a JSON script element"
    return json.loads(match.group(1))


def test_door_page_for_a_volunteer_has_the_config_and_the_csp(client, volunteer, door):
    client.force_login(volunteer)
    response = client.get(f"/door/{door.code}/")
    assert response.status_code == 200
    assert response.headers["Content-Security-Policy"] == DOOR_CSP
    assert response.headers["Cache-Control"] == "private, no-cache"
    config = door_config(response)
    assert config["code"] == door.code
    assert config["base"] == f"/door/{door.code}/"
    assert config["serviceWorker"] == "/door/sw.js"
    assert config["scope"] == "/door/"
    assert config["wasm"] == "/static/vendor/barcode-detector/zxing_reader.wasm"
    assert config["decoder"] == "/static/vendor/barcode-detector/ponyfill.js"
    assert config["timeZone"] == "Europe/Paris"
    assert config["csrf"] and config["csrfCookie"] == "csrftoken"
    assert config["messages"]["offline_waiting"] == {
        "one": "Offline: %(count)s scan waiting",
        "other": "Offline: %(count)s scans waiting",
    }
    assert config["messages"]["reasons"]["unknown"] == "Unknown code"
    assert "csrftoken" in response.cookies
    page = response.content.decode()
    assert '<h1 class="door-head__door">Main door</h1>' in page
    assert "Rust &amp; Pizza Night" in page


def test_door_page_carries_a_door_token_the_endpoints_accept(client, volunteer, door):
    client.force_login(volunteer)
    token = door_config(client.get(f"/door/{door.code}/"))["token"]

    found, user_id = door_for_token(code=door.code, token=token)
    assert (found.pk, user_id, found.role) == (door.pk, volunteer.pk, "volunteer")
    client.logout()  # the token alone: no session, no CSRF token
    response = client.get(f"/door/{door.code}/counts", headers={"X-Door-Token": token})
    assert response.json() == {"inside": 0, "checked_in": 0, "expected": 0}


def test_door_page_has_no_inline_script_or_style(client, volunteer, door):
    """The CSP allows only our own files: every <script> has a src or is a JSON data block, and no style="..."."""
    client.force_login(volunteer)
    page = client.get(f"/door/{door.code}/").content.decode()
    scripts = re.findall(r"<script([^>]*)>", page)
    assert len(scripts) == 3
    for attributes in scripts:
        assert 'src="/static/' in attributes or 'type="application/json"' in attributes, attributes
    assert "style=" not in page
    assert not re.search(r"<[^>]+\son[a-z]+=", page), "no inline event handlers"


def test_door_page_tells_the_script_the_page_language(client, volunteer, door):
    client.force_login(volunteer)
    client.cookies["django_language"] = "fr"
    config = door_config(client.get(f"/door/{door.code}/"))
    assert config["language"] == "fr"


def test_door_page_switch_link_only_with_several_doors(client, volunteer, door, event):
    client.force_login(volunteer)
    assert "Switch door" not in client.get(f"/door/{door.code}/").content.decode()
    other = Door.objects.create(event=event, name="Speakers", position=1)
    page = client.get(f"/door/{door.code}/").content.decode()
    assert "Switch door" in page
    assert f'href="/door/{other.code}/">Speakers</a>' in page
    assert f'href="/door/{door.code}/" aria-current="page">Main door</a>' in page


def test_door_page_refuses_a_member_of_another_community(client, door):
    outsider = MembershipFactory(community=CommunityFactory(), role=Membership.Role.VOLUNTEER).user
    client.force_login(outsider)
    response = client.get(f"/door/{door.code}/")
    assert response.status_code == 403
    assert "Rust &amp; Pizza Night" not in response.content.decode()


def test_door_page_refuses_a_signed_in_stranger_and_sends_visitors_to_log_in(client, door):
    response = client.get(f"/door/{door.code}/")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/accounts/login/?next=/door/{door.code}/"
    client.force_login(UserFactory())
    assert client.get(f"/door/{door.code}/").status_code == 403


@pytest.mark.parametrize("code", ["nope", "x" * 17, "a%00b", "%F0%9F%92%A3"])
def test_door_page_unknown_or_malformed_code_is_404(client, volunteer, code):
    client.force_login(volunteer)
    assert client.get(f"/door/{code}/").status_code == 404
    assert client.get(f"/d/{code}/").status_code == 404


def test_short_link_redirects_to_the_door_and_logs_in_first(client, volunteer, door):
    response = client.get(f"/d/{door.code}/")
    assert response.headers["Location"] == f"/accounts/login/?next=/d/{door.code}/"
    client.force_login(volunteer)
    response = client.get(f"/d/{door.code}/")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/door/{door.code}/"
    assert reverse("checkin_door:short_link", kwargs={"code": door.code}) == f"/d/{door.code}/"


def test_door_index_lists_today_and_upcoming_events_of_my_communities(client, volunteer, community, door):
    now = timezone.now()
    tonight = door.event
    tonight.start, tonight.end = now - dt.timedelta(hours=1), now + dt.timedelta(hours=2)
    tonight.save(update_fields=["start", "end"])
    next_month = EventFactory(community=community, title="Next month", start=now + dt.timedelta(days=30))
    EventFactory(community=community, title="Last week", start=now - dt.timedelta(days=7))
    EventFactory(community=community, title="A draft", status=Event.Status.DRAFT)
    EventFactory(title="Another community's")
    client.force_login(volunteer)
    response = client.get("/door/")
    assert response.headers["Content-Security-Policy"] == DOOR_CSP
    page = response.content.decode()
    titles = re.findall(r'<h2 class="door-event__title">(.*?)</h2>', page)
    assert titles == ["Rust &amp; Pizza Night", "Next month"]
    # The event that had no door yet got its "Main door".
    new_door = Door.objects.get(event=next_month)
    assert new_door.name == "Main door"
    assert re.findall(r'href="/door/([^/"]+)/">Open Main door</a>', page) == [door.code, new_door.code]


def test_door_index_without_events(client, user):
    client.force_login(user)
    page = client.get("/door/").content.decode()
    assert "No door to open" in page


def test_door_index_query_count(client, volunteer, community, django_assert_num_queries):
    """Session, user, then memberships + events + doors (3): the same with 1 and 3 events."""
    for count in (1, 3):
        Event.objects.all().delete()
        for _ in range(count):
            Door.objects.create(event=EventFactory(community=community), name="Main door")
        client.force_login(volunteer)
        with django_assert_num_queries(4):
            response = client.get("/door/")
        assert response.content.decode().count("Open Main door") == count


def test_service_worker_is_served_for_the_door_scope_without_cache(client):
    response = client.get("/door/sw.js")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["Content-Security-Policy"] == DOOR_CSP
    source = response.content.decode()
    assets = json.loads(re.search(r"^const ASSETS = (.*);$", source, re.M).group(1))
    assert assets == [
        "/static/checkin/door.css",
        "/static/checkin/door.js",
        "/static/checkin/store.js",
        "/static/vendor/barcode-detector/ponyfill.js",
        "/static/vendor/barcode-detector/zxing_reader.wasm",
        "/static/img/favicon.svg",
    ]
    assert re.search(r'^const VERSION = "[0-9a-f]{16}";$', source, re.M)
    assert 'self.addEventListener("fetch"' in source


def test_wasm_is_served_as_application_wasm(client, settings):
    """WebAssembly.instantiateStreaming needs this type; the decoder falls back to slower code without it."""
    # From static/ as vendored, without a collectstatic first (a fresh clone has none); whitenoise reads this
    # setting when the client's first request builds the middleware.
    settings.WHITENOISE_USE_FINDERS = True
    response = client.get("/static/vendor/barcode-detector/zxing_reader.wasm")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/wasm"
    assert b"".join(response.streaming_content)[:4] == b"\0asm"


def test_door_page_shows_the_event_time_in_the_event_time_zone(client, volunteer, door):
    event = door.event
    event.start = dt.datetime(2026, 11, 28, 18, 30, tzinfo=dt.UTC)
    event.end = event.start + dt.timedelta(hours=3)
    event.save(update_fields=["start", "end"])
    client.force_login(volunteer)
    page = client.get(f"/door/{door.code}/").content.decode()
    assert '<time datetime="2026-11-28T18:30:00+00:00">28 Nov, 19:30</time>' in page


def test_door_page_query_count(client, volunteer, event, django_assert_num_queries):
    """Session, user, the door with its event and the role, the event's doors: the same with 1 and 3 doors."""
    client.force_login(volunteer)
    for name in ("Main door", "Speakers", "Merch desk"):
        door = Door.objects.create(event=event, name=name)
        with django_assert_num_queries(4):
            response = client.get(f"/door/{door.code}/")
        assert door_config(response)["code"] == door.code


@pytest.mark.parametrize("path", ["/door/a%00b/list", "/door/a%00b/counts", "/door/a%00b/search?q=cam"])
def test_nul_byte_in_a_door_code_is_no_door_on_any_database(client, volunteer, path):
    """PostgreSQL refuses NUL in a query: access.door_for_staff must turn the code away before looking it up."""
    client.force_login(volunteer)
    response = client.get(path)
    assert (response.status_code, response.json()["reason"]) == (404, "not_found")


def test_door_index_sends_visitors_to_log_in(client):
    response = client.get("/door/")
    assert (response.status_code, response.headers["Location"]) == (302, "/accounts/login/?next=/door/")


def test_door_page_sentences_are_french_in_french_plurals_included():
    from django.utils import translation

    from checkin.views_door import page_messages

    with translation.override("fr"):
        sentences = page_messages()
    assert sentences["offline_waiting"] == {
        "one": "Hors ligne\u00a0: %(count)s scan en attente",
        "other": "Hors ligne\u00a0: %(count)s scans en attente",
    }
    assert sentences["list_stored"]["other"].startswith("Liste de l’entrée sur cet appareil")
    assert sentences["search_none"] == "Aucun résultat"
    assert sentences["reasons"]["unknown"] == "Code inconnu"
