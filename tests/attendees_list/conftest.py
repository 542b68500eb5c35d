"""A known crowd for the attendee-list tests: every status, two ticket types, answers, tags, check-ins at doors."""

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from attendees.models import Answer, Fan, Order, Question, Tag, Ticket, WaitingListEntry
from checkin.models import CheckIn, Door
from tests.attendees.conftest import fake_stripe, webhook  # noqa: F401 (fixtures shared with registration tests)
from tests.attendees.factories import OrderFactory, TicketFactory, WaitingListEntryFactory
from tests.factories import EventFactory, TicketTypeFactory

NOW = timezone.now().replace(microsecond=0)
# Every row of the crowd's event, in the list's order (by name, accents aside).
EVERYONE = [
    "Ada Lovelace",
    "Bob Brown",
    "Carl Cox",
    "Dora Diaz",
    "Émilie Dupré",
    "Ivan Ivanov",
    "Olga Offered",
    "Wendy Waits",
    "Zoé Zhang",
]


@dataclass
class Crowd:
    event: object
    standard: object
    vip: object
    shirt: Question
    diet: Question
    conduct: Question
    speaker: Tag
    sponsor: Tag
    tickets: dict
    entries: dict
    main_door: Door


def _ticket(event, ticket_type, name, email, status, *, minutes, price=0, **order_fields):
    order = OrderFactory(
        event=event,
        buyer_name=name,
        buyer_email=email,
        status=status,
        created_at=NOW - dt.timedelta(minutes=minutes),
        total=price,
        **order_fields,
    )
    ticket_status = {
        Order.Status.REFUNDED: Ticket.Status.REFUNDED,
        Order.Status.CANCELLED: Ticket.Status.CANCELLED,
        Order.Status.DECLINED: Ticket.Status.CANCELLED,
        Order.Status.EXPIRED: Ticket.Status.CANCELLED,
    }.get(status, Ticket.Status.VALID)
    return TicketFactory(
        order=order, ticket_type=ticket_type, holder_name=name, holder_email=email, status=ticket_status, price=price
    )


def check_in(ticket, door, *, at, nonce):
    CheckIn.objects.create(
        event=door.event, door=door, ticket=ticket, successful=True, scanned_at=at, device="phone-1", nonce=nonce
    )
    ticket.checked_in_at = at
    ticket.save(update_fields=["checked_in_at"])


@pytest.fixture
def crowd(community):
    event = EventFactory(community=community, title="Rust & Pizza", capacity=100)
    standard = TicketTypeFactory(event=event, name="Standard", position=0, quantity=50)
    vip = TicketTypeFactory(event=event, name="VIP", position=1, quantity=10, price=20)
    main_door = Door.objects.create(event=event, name="Main door")
    side_door = Door.objects.create(event=event, name="Side door", position=1)

    tickets = {
        "ada": _ticket(event, standard, "Ada Lovelace", "ada@acme.com", Order.Status.CONFIRMED, minutes=60,
                       marketing_consent=True),
        "emilie": _ticket(event, vip, "Émilie Dupré", "emilie@b.org", Order.Status.PENDING_PAYMENT, minutes=50,
                          price=20),
        "zoe": _ticket(event, standard, "Zoé Zhang", "zoe@acme.com", Order.Status.PENDING_APPROVAL, minutes=40),
        "bob": _ticket(event, standard, "Bob Brown", "bob@notacme.com", Order.Status.CANCELLED, minutes=30),
        "carl": _ticket(event, vip, "Carl Cox", "=carl@d.com", Order.Status.REFUNDED, minutes=20, price=20),
        "dora": _ticket(event, standard, "Dora Diaz", "dora@e.io", Order.Status.DECLINED, minutes=10),
        "ivan": _ticket(event, vip, "Ivan Ivanov", "ivan@f.ru", Order.Status.CONFIRMED, minutes=5, price=20),
    }  # fmt: skip
    check_in(tickets["ivan"], side_door, at=NOW - dt.timedelta(minutes=3), nonce="n-ivan")
    check_in(tickets["ada"], main_door, at=NOW - dt.timedelta(minutes=2), nonce="n-ada")
    entries = {
        "wendy": WaitingListEntryFactory(event=event, name="Wendy Waits", email="wendy@acme.com",
                                         created_at=NOW - dt.timedelta(minutes=4)),
        "olga": WaitingListEntryFactory(event=event, name="Olga Offered", email="olga@g.com",
                                        status=WaitingListEntry.Status.OFFERED,
                                        created_at=NOW - dt.timedelta(minutes=1)),
    }  # fmt: skip
    WaitingListEntryFactory(event=event, name="Lea Left", email="lea@h.com", status=WaitingListEntry.Status.LEFT)

    # Ada came to an earlier event of the community; Zoé only to another community's.
    earlier = EventFactory(community=community, start=NOW - dt.timedelta(days=30))
    past = _ticket(earlier, TicketTypeFactory(event=earlier), "Ada Lovelace", "ada@acme.com", Order.Status.CONFIRMED,
                   minutes=60 * 24 * 40)  # fmt: skip
    past.checked_in_at = earlier.start
    past.save(update_fields=["checked_in_at"])
    elsewhere = EventFactory(start=NOW - dt.timedelta(days=30))
    other = _ticket(elsewhere, TicketTypeFactory(event=elsewhere), "Zoé Zhang", "zoe@acme.com", Order.Status.CONFIRMED,
                    minutes=60 * 24 * 40)  # fmt: skip
    other.checked_in_at = elsewhere.start
    other.save(update_fields=["checked_in_at"])

    shirt = Question.objects.create(event=event, label="T-shirt size", kind=Question.Kind.SINGLE_CHOICE,
                                    choices="S\nM\nL", per_ticket=True, position=0)  # fmt: skip
    diet = Question.objects.create(event=event, label="Diet", kind=Question.Kind.MULTIPLE_CHOICE,
                                   choices="Vegan\nNo nuts\nHalal", position=1)  # fmt: skip
    conduct = Question.objects.create(event=event, label="Code of conduct", kind=Question.Kind.REQUIRED_CHECKBOX,
                                      position=2)  # fmt: skip
    ada, zoe, ivan = tickets["ada"], tickets["zoe"], tickets["ivan"]
    Answer.objects.create(order=ada.order, ticket=ada, question=shirt, value="M")
    Answer.objects.create(order=zoe.order, ticket=zoe, question=shirt, value="L")
    Answer.objects.create(order=ada.order, question=diet, value="Vegan\nNo nuts")
    Answer.objects.create(order=ivan.order, question=diet, value="No nuts")
    Answer.objects.create(order=zoe.order, question=diet, value="Halal")
    Answer.objects.create(order=ada.order, question=conduct, value="yes")

    speaker = Tag.objects.create(community=community, name="speaker")
    sponsor = Tag.objects.create(community=community, name="sponsor")
    ada_fan = Fan.objects.create(community=community, email="ada@acme.com", name="Ada Lovelace",
                                 note="Gives the opening talk", marketing_consent=True)  # fmt: skip
    ada_fan.tags.add(speaker)
    Ticket.objects.filter(pk=ada.pk).update(fan=ada_fan)
    Fan.objects.create(community=community, email="wendy@acme.com", name="Wendy").tags.add(speaker)
    Fan.objects.create(community=community, email="zoe@acme.com", name="Zoé", marketing_consent=True).tags.add(sponsor)
    return Crowd(event=event, standard=standard, vip=vip, shirt=shirt, diet=diet, conduct=conduct, speaker=speaker,
                 sponsor=sponsor, tickets=tickets, entries=entries, main_door=main_door)  # fmt: skip
