"""A small community with a known history: every figure of the dashboard can be worked out by hand.

Events of the community (Europe/Paris), relative to now:
- "Old": 400 days ago (before the default range): f1 checked in.
- "A": 60 days ago, 10 places: f1 checked in (came to Old: returning), f2 checked in (first time), f3 confirmed
  but never came (no-show), a cancelled order, a payment still pending, an expired payment (not a registration);
  2 people joined the waiting list.
- "B": 20 days ago, 4 places: f2 checked in (came to A: returning), f3 checked in (was a no-show at A: first
  time), a ticket cancelled in a confirmed order, a guest with no fan record checked in (first time).
- "C": in 10 days, 5 places: f1 confirmed, f4 waiting for approval; 3 people waiting.
Left out everywhere: a draft and a cancelled event in the range, and another community's event where f2's
e-mail checked in.

So, for A, B, C: registrations 5, 4, 2; confirmed 3, 3, 1; checked in 2, 3, 0; returning 1, 1, 0;
first time 1, 2, 0; no-shows 1, 0, none yet; waiting 2, 0, 3.
"""

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from attendees.models import Fan, Order, Ticket
from events.models import Community, Event
from tests.attendees.factories import OrderFactory, TicketFactory, WaitingListEntryFactory
from tests.factories import CommunityFactory, EventFactory


@dataclass
class History:
    community: Community
    old: Event
    a: Event
    b: Event
    c: Event
    now: dt.datetime


def ticket(event, *, fan=None, status=Order.Status.CONFIRMED, checked_in=False, ticket_status=Ticket.Status.VALID):
    email = fan.email if fan else "guest@example.com"
    order = OrderFactory(event=event, status=status, buyer_email=email)
    return TicketFactory(
        order=order,
        fan=fan,
        status=ticket_status,
        checked_in_at=event.start + dt.timedelta(minutes=10) if checked_in else None,
    )


@pytest.fixture
def history(community) -> History:
    now = timezone.now().replace(microsecond=0)
    community.time_zone = "Europe/Paris"
    community.save(update_fields=["time_zone"])

    def event(days, title, **kwargs):
        return EventFactory(community=community, title=title, start=now + dt.timedelta(days=days), **kwargs)

    old = event(-400, "Old")
    a = event(-60, "A", capacity=10)
    b = event(-20, "B", capacity=4)
    c = event(10, "C", capacity=5)
    draft = event(-30, "Draft", status=Event.Status.DRAFT)
    cancelled = event(-10, "Cancelled", status=Event.Status.CANCELLED)
    f1, f2, f3, f4 = (Fan.objects.create(community=community, email=f"f{n}@example.com") for n in range(1, 5))

    ticket(old, fan=f1, checked_in=True)

    ticket(a, fan=f1, checked_in=True)
    ticket(a, fan=f2, checked_in=True)
    ticket(a, fan=f3)
    ticket(a, fan=f4, status=Order.Status.CANCELLED)
    ticket(a, status=Order.Status.PENDING_PAYMENT)
    ticket(a, status=Order.Status.EXPIRED)
    WaitingListEntryFactory.create_batch(2, event=a)

    ticket(b, fan=f2, checked_in=True)
    ticket(b, fan=f3, checked_in=True)
    ticket(b, fan=f4, ticket_status=Ticket.Status.CANCELLED)
    ticket(b, checked_in=True)

    ticket(c, fan=f1)
    ticket(c, fan=f4, status=Order.Status.PENDING_APPROVAL)
    WaitingListEntryFactory.create_batch(3, event=c)

    # f3 checked in at a draft before B: a draft is no event of the community's history, f3 is still new at B.
    ticket(draft, fan=f3, checked_in=True)
    ticket(cancelled, fan=f1, checked_in=True)
    other = EventFactory(community=CommunityFactory(), start=now - dt.timedelta(days=90))
    ticket(other, fan=Fan.objects.create(community=other.community, email=f2.email), checked_in=True)
    return History(community=community, old=old, a=a, b=b, c=c, now=now)
