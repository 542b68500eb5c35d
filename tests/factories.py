"""factory_boy factories for test data; no hidden side effects (a factory creates what it says)."""

import datetime as dt
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from events.models import Community, Event, Membership, Series, TicketType, Venue


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.Sequence(lambda n: f"user{n}@example.com")
    first_name = "Camille"
    password = factory.django.Password("correct-horse-battery")

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        """Give the user a verified primary e-mail address, as allauth expects after sign-up."""
        if create and extracted is not False:
            from allauth.account.models import EmailAddress

            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)


class CommunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Community

    name = factory.Sequence(lambda n: f"Community {n}")
    slug = factory.Sequence(lambda n: f"community-{n}")
    tagline = "Monthly meetups for people who build things"
    time_zone = "Europe/Paris"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    community = factory.SubFactory(CommunityFactory)
    user = factory.SubFactory(UserFactory)
    role = Membership.Role.ORGANISER


class VenueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Venue

    community = factory.SubFactory(CommunityFactory)
    name = "La Cantine"
    address = "12 rue de la Paix"
    city = "Paris"
    country = "France"
    map_url = "https://www.openstreetmap.org/?mlat=48.87&mlon=2.33"


class SeriesFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Series

    community = factory.SubFactory(CommunityFactory)
    title = "Monthly meetup"
    frequency = Series.Frequency.MONTHLY


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event

    community = factory.SubFactory(CommunityFactory)
    title = factory.Sequence(lambda n: f"Meetup {n}")
    slug = factory.Sequence(lambda n: f"meetup-{n}")
    summary = "Talks, pizza and good company"
    description = "Two talks and time to meet.\n\n**Bring** a friend."
    time_zone = "Europe/Paris"
    start = factory.LazyFunction(lambda: (timezone.now() + dt.timedelta(days=7)).replace(microsecond=0))
    end = factory.LazyAttribute(lambda o: o.start + dt.timedelta(hours=3))
    venue = factory.SubFactory(VenueFactory, community=factory.SelfAttribute("..community"))
    capacity = 50
    status = Event.Status.PUBLISHED
    visibility = Event.Visibility.PUBLIC
    published_at = factory.LazyFunction(timezone.now)


class TicketTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TicketType

    event = factory.SubFactory(EventFactory)
    name = "General admission"
    price = Decimal("0")
    currency = "EUR"
    quantity = 50
