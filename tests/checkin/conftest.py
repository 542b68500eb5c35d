"""Fixtures of the door's tests: an event with its door, a volunteer signed in, and tickets to scan."""

import json
import secrets

import pytest
from django.urls import reverse

from events.models import Membership
from tests.checkin.factories import DoorFactory, TicketFactory
from tests.factories import EventFactory, MembershipFactory, UserFactory


@pytest.fixture
def event(community):
    return EventFactory(community=community, title="November meetup")


@pytest.fixture
def door(event):
    return DoorFactory(event=event, name="Main door")


@pytest.fixture
def volunteer(community):
    user = UserFactory(first_name="Alex", last_name="", email="alex@example.com")
    MembershipFactory(community=community, user=user, role=Membership.Role.VOLUNTEER)
    return user


@pytest.fixture
def volunteer_client(client, volunteer):
    client.force_login(volunteer)
    return client


@pytest.fixture
def make_ticket(event):
    """make_ticket(**fields): a valid ticket of a confirmed order of the event (holder Camille Martin)."""

    def make(**fields):
        fields.setdefault("order__event", event)
        fields.setdefault("holder_name", "Camille Martin")
        return TicketFactory(**fields)

    return make


def scan_body(code=None, **fields) -> dict:
    body = {"device": "d-test", "nonce": "n-" + secrets.token_hex(8), "code": code, "kind": "entry", "method": "camera"}
    body.update(fields)
    return body


def post(client, door, name: str, body, **extra):
    """POST a JSON body (or raw bytes) to one of the door's endpoints."""
    data = body if isinstance(body, bytes | str) else json.dumps(body)
    return client.post(
        reverse(f"checkin_api:{name}", kwargs={"code": door.code}), data=data, content_type="application/json", **extra
    )
