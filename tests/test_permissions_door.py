"""A volunteer sees only what the door needs, checked over every URL of the project.

The test walks the URL resolver, fills each pattern's parameters with the objects of community A (the volunteer's)
or community B (not theirs), and asks every URL with GET and POST:

- organiser pages (everything under /manage/ but the user's own pages): 403, 404 or 405 for A's volunteer, for A
  and for B; the organiser of B gets 403/404 on A's door pages and stats too;
- door pages and their JSON endpoints: open to A's volunteer for A's doors, 403/404 for B's doors;
- admin: a redirect to the admin's login;
- public pages and the user's own account pages: never an error page of ours (< 500).

No answer to the volunteer carries B's people, A's e-mail addresses or payment details, and nothing in the
database changes. A URL added later is covered without touching this file when it lives under /manage/ (organisers
only by default); anywhere else it must be listed below, and a parameter this file cannot fill must be listed too:
the test fails until someone says what the new URL should do.
"""

import json

import pytest
from django.apps import apps
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from attendees.models import Fan, Order, Question, Tag, Ticket
from checkin.services.doors import doors_for
from events.models import Community, Invitation, Membership
from tests.attendees.factories import OrderFactory, TicketFactory
from tests.factories import (
    CommunityFactory,
    EventFactory,
    MembershipFactory,
    TicketTypeFactory,
    UserFactory,
    VenueFactory,
)

pytestmark = pytest.mark.django_db

# Pages anyone may open (some with a secret link, filled here with an unknown token).
PUBLIC = {
    "healthz",
    "switch_language",
    "events:home",
    "events:sitemap",
    "events:robots",
    "events:community",
    "events:community_calendar",
    "events:event",
    "events:event_ics",
    "attendees:register",
    "attendees:waitinglist_join",
    "attendees:order",
    "attendees:order_status",
    "attendees:order_cancel",
    "attendees:waitinglist_entry",
    "attendees:waitinglist_leave",
    "attendees:waitinglist_claim",
    "attendees:stripe_webhook",
    "checkin_door:service_worker",
    "manage:invitation_accept",  # whoever holds the invitation link
}
# The signed-in user's own pages: their account, tickets, data, and their list of communities.
ACCOUNT_PREFIXES = ("account_",)
ACCOUNT = {
    "attendees:my_tickets",
    "fans:my_data",
    "fans:my_data_json",
    "fans:my_data_csv",
    "fans:my_data_erase",
    "manage:home",
    "manage:community_create",  # anyone may start a community of their own
}
# The door: the volunteer's pages, for the doors of their community's events only.
DOOR_NAMESPACES = ("checkin_door:", "checkin_api:")
DOOR_WITHOUT_CODE = {"checkin_door:index", "checkin_door:service_worker"}
# The organiser pages of the door that an organiser of another community must not open either.
DOOR_ORGANISER_PAGES = ("checkin_manage:",)
# Parameters this test does not fill, and why; any other unknown parameter fails the test.
SKIPPED_PARAMETERS = {
    "uidb36": "allauth's password-reset key link: public, tested by tests/accounts",
    "key": "allauth's password-reset key link: public, tested by tests/accounts",
    "path": "media files, served by runserver in DEBUG only",
    "url": "the admin's catch-all redirect",
}
# URLs that end the session (and are tested by tests/accounts): asking them would sign the volunteer out.
SIGN_OUT = {"account_logout", "admin:logout"}
DENIED = {403, 404}
SECRET_TOKEN = "no-such-token-0123456789"


def _walk(patterns, prefix="", namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            params = list(getattr(pattern.pattern, "converters", {}) or pattern.pattern.regex.groupindex)
            yield {
                "route": prefix + str(pattern.pattern),
                "name": namespace + pattern.name if pattern.name else None,
                "params": params,
            }


def all_urls():
    return list(_walk(get_resolver().url_patterns))


def _kind(url) -> str:
    name, route = url["name"], url["route"]
    if name == "admin:login":
        return "public"
    if route.startswith("admin/"):
        return "admin"
    if name in PUBLIC:
        return "public"
    if name in ACCOUNT or (name or "").startswith(ACCOUNT_PREFIXES):
        return "account"
    if (name or "").startswith(DOOR_NAMESPACES):
        return "door"
    if route.startswith("manage/"):
        return "organiser"
    return "unknown"


class World:
    """Two communities with one of everything; A's volunteer and B's organiser."""

    def __init__(self):
        self.volunteer = UserFactory(first_name="Val", email="val@example.com")
        self.organiser_b = UserFactory(first_name="Bea", email="bea@example.com")
        self.sides = {"A": self._side("A"), "B": self._side("B")}
        MembershipFactory(community=self.sides["A"]["community"], user=self.volunteer, role="volunteer")
        MembershipFactory(community=self.sides["B"]["community"], user=self.organiser_b, role="organiser")

    def _side(self, letter):
        community = CommunityFactory(slug=f"community-{letter.lower()}", name=f"Community {letter}")
        organiser = MembershipFactory(community=community).user
        other = MembershipFactory(community=community, role="volunteer")
        event = EventFactory(community=community, title=f"Event {letter}")
        ticket_type = TicketTypeFactory(event=event)
        order = OrderFactory(
            event=event,
            buyer_name=f"Buyer {letter}",
            buyer_email=f"buyer-secret-{letter.lower()}@example.com",
            stripe_payment_intent_id=f"pi_secret_{letter}",
        )
        ticket = TicketFactory(
            order=order,
            ticket_type=ticket_type,
            holder_name=f"Holder{letter} Zyx",
            holder_email=f"holder-secret-{letter.lower()}@example.com",
        )
        fan = Fan.objects.create(community=community, email=ticket.holder_email, name=ticket.holder_name,
                                 note=f"Organisers' note {letter}")  # fmt: skip
        tag = Tag.objects.create(community=community, name=f"tag-{letter}")
        fan.tags.add(tag)
        return {
            "community": community,
            "event": event,
            "door": doors_for(event=event)[0],
            "ticket_type": ticket_type,
            "order": order,
            "ticket": ticket,
            "question": Question.objects.create(event=event, label=f"Question {letter}"),
            "venue": VenueFactory(community=community),
            "membership": Membership.objects.get(user=other.user),
            "invitation": Invitation.objects.create(
                community=community,
                email=f"invited-{letter.lower()}@example.com",
                role="volunteer",
                token=f"invitation-token-{letter}",
                invited_by=organiser,
            ),  # fmt: skip
            "fan": fan,
            "tag": tag,
        }

    def kwargs(self, url, letter):
        side = self.sides[letter]
        values = {
            "community": side["community"].slug,
            "event": side["event"].slug,
            "door": side["door"].pk,
            "code": side["door"].code,
            "ticket_type": side["ticket_type"].pk,
            "order": side["order"].pk,
            "question": side["question"].pk,
            "venue": side["venue"].pk,
            "membership": side["membership"].pk,
            "invitation": side["invitation"].pk,
            "fan": side["fan"].pk,
            "tag": side["tag"].pk,
            "token": SECRET_TOKEN,
            "object_id": side["event"].pk,
            "content_type_id": 1,
            "id": side["event"].pk,
            "app_label": "events",
        }
        missing = [p for p in url["params"] if p not in values]
        return {p: values[p] for p in url["params"] if p in values}, missing

    def secrets_never_shown_to(self):
        """What no page may show A's volunteer: B's people, anyone's e-mail address, payment details, notes."""
        a, b = self.sides["A"], self.sides["B"]
        return [
            b["ticket"].holder_name,
            b["order"].buyer_name,
            b["fan"].note,  # (A's note is shown at A's door on purpose: docs/door-protocol.md)
            a["order"].buyer_email,
            a["ticket"].holder_email,
            b["order"].buyer_email,
            b["ticket"].holder_email,
            a["order"].stripe_payment_intent_id,
            b["order"].stripe_payment_intent_id,
            a["order"].access_token,
            b["order"].access_token,
        ]


def _fingerprint():
    """Every row of every table but the sessions: any write a request makes shows here."""
    rows = {}
    for model in apps.get_models():
        if model is Session:
            continue
        rows[model._meta.label] = sorted(map(repr, model.objects.order_by().values_list()))
    return rows


def _targets(world, client_user_side):
    """(url, kind, letter, path) for every URL and both communities; URLs without parameters once."""
    targets, problems = [], []
    for url in all_urls():
        kind = _kind(url)
        skipped = [p for p in url["params"] if p in SKIPPED_PARAMETERS]
        if skipped or url["name"] in SIGN_OUT:
            continue
        if kind == "unknown":
            problems.append(f"{url['route']} ({url['name']}): no expectation; add it to PUBLIC, ACCOUNT or the door")
            continue
        if url["name"] is None and kind == "admin":
            continue  # the admin's unnamed redirects to a change page; the named admin URLs are checked
        if url["name"] is None:
            problems.append(f"{url['route']}: a URL without a name cannot be checked; name it")
            continue
        letters = ("A", "B") if url["params"] else ("A",)
        for letter in letters:
            kwargs, missing = world.kwargs(url, letter)
            if missing:
                problems.append(f"{url['route']}: parameters {missing} unknown to this test; fill or skip them")
                break
            targets.append((url, kind, letter, reverse(url["name"], kwargs=kwargs)))
    return targets, problems


def _request(client, method, path):
    if method == "GET":
        return client.get(path)
    return client.post(path, data=json.dumps({}), content_type="application/json")


def _location(response) -> str:
    return response.get("Location", "")


def _as_expected(kind: str, name: str, letter: str, method: str, response) -> bool:
    """Whether the answer to A's volunteer is what this kind of URL must answer."""
    status = response.status_code
    if kind == "organiser":
        return status in DENIED or status == 405  # a method the URL does not take: refused before anything
    if kind == "admin":
        return status == 302 and _location(response).startswith("/admin/login/")
    if kind == "door" and name not in DOOR_WITHOUT_CODE and letter == "B":
        return status in DENIED or status == 405
    return status < 500


def test_every_url_has_an_expectation():
    world_urls = all_urls()
    unknown = [u["route"] for u in world_urls if _kind(u) == "unknown"]
    unfillable = sorted(
        {p for u in world_urls for p in u["params"]}
        - set(SKIPPED_PARAMETERS)
        - {"community", "event", "door", "code", "ticket_type", "order", "question", "venue", "membership",
           "invitation", "fan", "tag", "token", "object_id", "content_type_id", "id", "app_label"}
    )  # fmt: skip

    assert unknown == [], "new URLs outside /manage/: say who may open them in tests/test_permissions_door.py"
    assert unfillable == [], "new URL parameters: fill them in World.kwargs or list them in SKIPPED_PARAMETERS"
    # The walk sees the door and its organiser pages (a broken walk would make every other test vacuous).
    names = {u["name"] for u in world_urls}
    assert {"checkin_door:door", "checkin_api:scan", "checkin_manage:stats", "manage:event"} <= names


def test_volunteer_reaches_only_the_door_of_their_community():
    world = World()
    client = Client()
    client.force_login(world.volunteer)
    targets, problems = _targets(world, "A")
    assert problems == []
    before = _fingerprint()
    secrets = world.secrets_never_shown_to()
    wrong, leaks, opened = [], [], []

    for url, kind, letter, path in targets:
        for method in ("GET", "POST"):
            response = _request(client, method, path)
            status = response.status_code
            where = f"{method} {path} [{url['name']}, {kind}, community {letter}] -> {status}"
            body = b"".join(response) if response.streaming else response.content
            text = body.decode("utf-8", "replace")
            if status == 200:
                opened.append((url["name"], method, letter))
            leaks.extend(f"{where}: shows {secret!r}" for secret in secrets if secret in text)
            if not _as_expected(kind, url["name"], letter, method, response):
                wrong.append(where)

    assert client.session.get("_auth_user_id") == str(world.volunteer.pk)  # signed in all along
    assert wrong == [], "\n".join(wrong)
    assert leaks == [], "\n".join(leaks)
    assert _fingerprint() == before
    # The volunteer does get the door of their community (else the denials above would prove nothing).
    assert {
        ("checkin_door:door", "GET", "A"),
        ("checkin_api:list", "GET", "A"),
        ("checkin_api:counts", "GET", "A"),
        ("checkin_door:index", "GET", "A"),
    } <= set(opened)
    assert not [entry for entry in opened if entry[2] == "B" and entry[0].startswith(DOOR_NAMESPACES)]


def test_volunteer_door_index_lists_only_their_community_events():
    world = World()
    client = Client()
    client.force_login(world.volunteer)

    html = client.get(reverse("checkin_door:index")).content.decode()

    assert "Event A" in html
    assert "Event B" not in html


def test_organiser_of_another_community_cannot_open_the_door_pages_or_stats():
    world = World()
    client = Client()
    client.force_login(world.organiser_b)
    targets, problems = _targets(world, "B")
    assert problems == []
    checked = []

    wrong = []
    for url, kind, letter, path in targets:
        is_door = kind == "door" and url["name"] not in DOOR_WITHOUT_CODE
        if letter != "A" or not (is_door or url["name"].startswith(DOOR_ORGANISER_PAGES)):
            continue
        for method in ("GET", "POST"):
            response = _request(client, method, path)
            checked.append(url["name"])
            if response.status_code not in DENIED | {405}:
                wrong.append(f"{method} {path} [{url['name']}] -> {response.status_code}")

    assert wrong == [], "\n".join(wrong)
    assert {"checkin_manage:doors", "checkin_manage:stats", "checkin_manage:stats_live", "checkin_door:door"} <= set(
        checked
    )
    # ...while their own community's stats open.
    own = reverse("checkin_manage:stats", kwargs={"community": "community-b", "event": world.sides["B"]["event"].slug})
    assert client.get(own).status_code == 200


def test_the_walk_fills_every_community_parameter_with_the_right_community():
    world = World()
    targets, _problems = _targets(world, "A")
    stats = [path for url, _kind, letter, path in targets if url["name"] == "checkin_manage:stats"]

    assert stats == [
        f"/manage/community-a/events/{world.sides['A']['event'].slug}/doors/stats/",
        f"/manage/community-b/events/{world.sides['B']['event'].slug}/doors/stats/",
    ]
    assert Community.objects.count() == 2
    assert Order.objects.count() == 2 and Ticket.objects.count() == 2
