"""Factories for the door's tests: doors, scans already made, fans, and questions shown at the door."""

import factory
from django.utils import timezone

from attendees.models import Answer, Fan, Question
from checkin.models import CheckIn, Door
from tests.attendees.factories import OrderFactory, TicketFactory
from tests.factories import EventFactory

__all__ = [
    "AnswerFactory",
    "CheckInFactory",
    "DoorFactory",
    "FanFactory",
    "OrderFactory",
    "QuestionFactory",
    "TicketFactory",
]


class DoorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Door

    event = factory.SubFactory(EventFactory)
    name = factory.Sequence(lambda n: "Main door" if n == 0 else f"Door {n}")


class CheckInFactory(factory.django.DjangoModelFactory):
    """An admission at a door, as a device would have recorded it."""

    class Meta:
        model = CheckIn

    door = factory.SubFactory(DoorFactory)
    event = factory.SelfAttribute("door.event")
    ticket = factory.SubFactory(TicketFactory, order__event=factory.SelfAttribute("...door.event"))
    kind = CheckIn.Kind.ENTRY
    successful = True
    device = "d-factory"
    nonce = factory.Sequence(lambda n: f"n-factory-{n}")
    scanned_at = factory.LazyFunction(timezone.now)


class FanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Fan

    email = factory.Sequence(lambda n: f"fan{n}@example.com")
    name = "Camille Martin"


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Question

    label = "T-shirt size"
    kind = Question.Kind.SINGLE_CHOICE
    choices = "S\nM\nL"
    per_ticket = True
    show_at_door = True


class AnswerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Answer

    value = "M"
