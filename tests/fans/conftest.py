"""Fixtures of the fan tests: a community's event with a free ticket type, and orders placed through the service
with their after-commit work (linking to fans) run."""

import datetime as dt

import pytest
from django.utils import timezone

from attendees.services import place_order
from tests.factories import CommunityFactory, EventFactory, TicketTypeFactory


@pytest.fixture
def other_community(db):
    return CommunityFactory(name="Other crowd", slug="other-crowd")


def make_event(community, *, days: int = 10, title: str = "Meetup", capacity=None, **kwargs):
    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=days)
    event = EventFactory(community=community, title=title, start=start, end=start + dt.timedelta(hours=2),
                         capacity=capacity, **kwargs)  # fmt: skip
    TicketTypeFactory(event=event, name="Standard", quantity=100)
    return event


@pytest.fixture
def register(django_capture_on_commit_callbacks):
    """Place an order and run what it leaves for after the commit (the fans' task, e-mails)."""

    def _register(event, email, name="Ada Lovelace", *, holders=None, user=None, consent=False):
        ticket_type = event.ticket_types.get()
        holders = holders or [(name, email)]
        with django_capture_on_commit_callbacks(execute=True):
            return place_order(
                event=event,
                quantities={ticket_type.pk: len(holders)},
                holders=holders,
                buyer_name=name,
                buyer_email=email,
                user=user,
                marketing_consent=consent,
            )

    return _register
