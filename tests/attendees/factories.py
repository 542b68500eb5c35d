"""Factories for registration data; they create rows as they are, without touching the seat counters
(tests that need consistent counters go through the services)."""

import factory

from attendees.models import Order, Ticket, WaitingListEntry
from tests.factories import EventFactory, TicketTypeFactory


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Order

    event = factory.SubFactory(EventFactory)
    buyer_name = "Alex Martin"
    buyer_email = factory.Sequence(lambda n: f"buyer{n}@example.com")
    status = Order.Status.CONFIRMED


class TicketFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Ticket

    order = factory.SubFactory(OrderFactory)
    ticket_type = factory.SubFactory(TicketTypeFactory, event=factory.SelfAttribute("..order.event"))
    holder_name = "Alex Martin"
    holder_email = factory.LazyAttribute(lambda o: o.order.buyer_email)


class WaitingListEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WaitingListEntry

    event = factory.SubFactory(EventFactory)
    name = "Sam Durand"
    email = factory.Sequence(lambda n: f"waiting{n}@example.com")
    quantity = 1
