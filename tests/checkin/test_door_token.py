"""The door token: the JSON endpoints let a device in on the `X-Door-Token` header, without session or CSRF."""

import time

import pytest
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import Client
from django.urls import reverse

from checkin import access
from checkin.models import CheckIn
from events.models import Membership
from tests.checkin.conftest import post, scan_body
from tests.checkin.factories import CheckInFactory, DoorFactory
from tests.factories import CommunityFactory, EventFactory, UserFactory

pytestmark = pytest.mark.django_db


def url(door, name):
    return reverse(f"checkin_api:{name}", kwargs={"code": door.code})


def with_token(token):
    return {"HTTP_X_DOOR_TOKEN": token}


@pytest.fixture
def anonymous():
    """A client with no session and CSRF checks on, as a page of another site would be."""
    return Client(enforce_csrf_checks=True)


def test_token_lets_the_volunteer_scan_without_session_or_csrf(anonymous, door, volunteer, make_ticket):
    ticket = make_ticket()
    token = access.door_token(door=door, user=volunteer)

    answer = post(anonymous, door, "scan", scan_body(ticket.secret), **with_token(token)).json()
    again = post(anonymous, door, "scan", scan_body(ticket.secret), **with_token(token)).json()

    assert (answer["ok"], answer["message"], answer["counts"]["inside"]) == (
        True,
        "Welcome, Camille: General admission",
        1,
    )
    assert again["reason"] == "already_checked_in"
    assert "by Alex at Main door" in again["message"]
    assert list(CheckIn.objects.order_by("pk").values_list("volunteer_id", "successful")) == [
        (volunteer.pk, True),
        (volunteer.pk, False),
    ]


def test_token_works_on_every_endpoint(anonymous, door, volunteer, make_ticket):
    ticket = make_ticket()
    token = access.door_token(door=door, user=volunteer)
    admitted = post(anonymous, door, "scan", scan_body(ticket.secret), **with_token(token)).json()

    undone = post(anonymous, door, "undo", {"checkin": admitted["checkin"]}, **with_token(token)).json()
    synced = post(
        anonymous, door, "sync", {"device": "d-2", "scans": [scan_body(ticket.secret)]}, **with_token(token)
    ).json()
    listed = anonymous.get(url(door, "list"), **with_token(token)).json()
    found = anonymous.get(url(door, "search"), {"q": "cam"}, **with_token(token)).json()
    counted = anonymous.get(url(door, "counts"), **with_token(token)).json()

    assert undone["undone"] is True
    assert [r["ok"] for r in synced["results"]] == [True]
    assert [t["id"] for t in listed["tickets"]] == [ticket.pk]
    assert [r["ticket"] for r in found["results"]] == [ticket.pk]
    assert counted == {"inside": 1, "checked_in": 1, "expected": 1}
    assert CheckIn.objects.get(pk=admitted["checkin"]).undone_by_id == volunteer.pk


def test_token_scan_skips_session_user_door_and_role_queries(
    anonymous, door, volunteer, make_ticket, django_assert_num_queries
):
    first, second = make_ticket(), make_ticket()
    token = access.door_token(door=door, user=volunteer)
    post(anonymous, door, "scan", scan_body(first.secret), **with_token(token))  # the door and role are remembered

    # savepoint (the test's transaction: none in production), then on PostgreSQL the ticket read with all the rules
    # and the counters need and the insert with checked_in_at on condition that the ticket has not changed; on
    # SQLite the ticket locked, read, inserted, then checked_in_at (no UPDATE inside WITH); release.
    with django_assert_num_queries(4 if connection.vendor == "postgresql" else 6):
        answer = post(anonymous, door, "scan", scan_body(second.secret), **with_token(token)).json()

    assert answer["counts"] == {"inside": 2, "checked_in": 2, "expected": 2}


def test_token_of_another_door_is_refused(anonymous, door, volunteer, make_ticket):
    other_door = DoorFactory(event=door.event, name="Speakers")
    token = access.door_token(door=other_door, user=volunteer)

    response = post(anonymous, door, "scan", scan_body(make_ticket().secret), **with_token(token))

    assert (response.status_code, response.json()["reason"]) == (403, "token")
    assert CheckIn.objects.count() == 0


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),  # the signature
        lambda token: token.replace(token.split(":")[0], token.split(":")[0][::-1]),  # the claims
        lambda token: "",
        lambda token: "x" * 1000,
        lambda token: "\u00e9t\u00e9",
    ],
)
def test_tampered_or_malformed_token_is_refused(anonymous, door, volunteer, make_ticket, tamper):
    token = tamper(access.door_token(door=door, user=volunteer))

    response = post(anonymous, door, "scan", scan_body(make_ticket().secret), **with_token(token))

    assert (response.status_code, response.json()["reason"]) == (403, "token")
    assert CheckIn.objects.count() == 0


def test_token_older_than_12_hours_is_refused(anonymous, door, volunteer, make_ticket, monkeypatch):
    with monkeypatch.context() as patched:
        long_ago = time.time() - access.DOOR_TOKEN_MAX_AGE - 60
        patched.setattr(signing.time, "time", lambda: long_ago)
        old = access.door_token(door=door, user=volunteer)
    fresh = access.door_token(door=door, user=volunteer)

    refused = post(anonymous, door, "scan", scan_body(make_ticket().secret), **with_token(old))
    accepted = post(anonymous, door, "scan", scan_body(make_ticket().secret), **with_token(fresh))

    assert (refused.status_code, refused.json()["reason"]) == (403, "token")
    assert (accepted.status_code, accepted.json()["ok"]) == (200, True)


def test_removed_volunteer_is_refused_once_the_role_is_checked_again(
    anonymous, door, volunteer, make_ticket, monkeypatch
):
    monkeypatch.setattr(access, "ROLE_RECHECK_SECONDS", 0)
    token = access.door_token(door=door, user=volunteer)
    accepted = post(anonymous, door, "scan", scan_body(make_ticket().secret), **with_token(token))
    Membership.objects.filter(user=volunteer).delete()

    refused = post(anonymous, door, "scan", scan_body(make_ticket().secret), **with_token(token))

    assert accepted.json()["ok"] is True
    assert (refused.status_code, refused.json()["reason"]) == (403, "forbidden")
    assert CheckIn.objects.count() == 1


def test_removed_volunteer_keeps_the_door_until_the_role_is_checked_again(anonymous, door, volunteer, make_ticket):
    """Within ROLE_RECHECK_SECONDS the process trusts what it read: the lockout comes within a minute."""
    token = access.door_token(door=door, user=volunteer)
    anonymous.get(url(door, "counts"), **with_token(token))
    Membership.objects.filter(user=volunteer).delete()

    answer = anonymous.get(url(door, "counts"), **with_token(token))

    assert answer.status_code == 200


def test_token_of_a_user_of_another_community_cannot_be_made(door):
    outsider = UserFactory()
    Membership.objects.create(community=CommunityFactory(), user=outsider, role=Membership.Role.VOLUNTEER)

    with pytest.raises(PermissionDenied):
        access.door_token(door=door, user=outsider)


def test_token_does_not_open_a_door_of_another_community(anonymous, door, volunteer, make_ticket):
    other = DoorFactory(event=EventFactory(community=CommunityFactory()), name="Main door")
    token = access.door_token(door=door, user=volunteer)

    response = anonymous.get(url(other, "counts"), **with_token(token))

    assert (response.status_code, response.json()["reason"]) == (403, "token")


def test_without_the_header_the_session_and_csrf_still_rule(anonymous, door, volunteer, make_ticket):
    anonymous.force_login(volunteer)
    checkin = CheckInFactory(door=door, ticket=make_ticket())

    refused = post(anonymous, door, "undo", {"checkin": checkin.pk})

    assert (refused.status_code, refused.json()["reason"]) == (403, "csrf")
    assert CheckIn.objects.get().undone_at is None
