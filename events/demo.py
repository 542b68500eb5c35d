"""Demo content for `manage.py load_demo`: two communities, their venues, events and tickets, two logins.

The loader writes the models directly rather than through events.services: it must be re-runnable, so it
upserts on natural keys (e-mail, slug, name in a community) and moves dates that the services rightly
freeze (a cancelled event, a published slug). It keeps the services' invariants by hand: `updated_at`
touched on every change (the page cache relies on it) and SEQUENCE raised when calendars must update.
"""

import dataclasses
import datetime as dt
import zoneinfo
from decimal import Decimal
from urllib.parse import quote

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from events.models import Community, Event, Membership, Series, TicketType, Venue

ORGANISER_EMAIL = "organiser@example.com"
ORGANISER_PASSWORD = "demo-organiser-pass"  # noqa: S105 (printed on purpose: a demo login)
VOLUNTEER_EMAIL = "volunteer@example.com"
VOLUNTEER_PASSWORD = "demo-volunteer-pass"  # noqa: S105 (printed on purpose: a demo login)

# A change to any of these is a change attendees should see in their calendars.
_CALENDAR_FIELDS = {"title", "start", "end", "venue", "online_url", "status", "description"}


@dataclasses.dataclass
class DemoLogin:
    role: str
    email: str
    password: str
    communities: list[str]


@dataclasses.dataclass
class DemoResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    logins: list[DemoLogin] = dataclasses.field(default_factory=list)
    communities: list[Community] = dataclasses.field(default_factory=list)


def load_demo(*, today: dt.date | None = None) -> DemoResult:
    """Create or bring up to date the demo data; running it again on the same day changes nothing.

    Rows are found by their natural keys (e-mail, slug, name within a community), so nothing is
    ever duplicated. Dates are computed from `today`, so upcoming events stay upcoming whenever
    the demo is (re)loaded.
    """
    result = DemoResult()
    with transaction.atomic():
        organiser = _user(result, email=ORGANISER_EMAIL, password=ORGANISER_PASSWORD, first="Alex", last="Morgan")
        volunteer = _user(result, email=VOLUNTEER_EMAIL, password=VOLUNTEER_PASSWORD, first="Camille", last="Roux")
        london = _load_london(result, today=today)
        lyon = _load_lyon(result, today=today)
        for community in (london, lyon):
            _upsert(result, Membership, {"community": community, "user": organiser}, {"role": "organiser"})
            _upsert(result, Membership, {"community": community, "user": volunteer}, {"role": "volunteer"})
        # Registrations and check-ins are loaded after this by attendees.demo and checkin.demo (the
        # load_demo command lives in checkin, the app that knows all three).
    result.communities = [london, lyon]
    names = [london.name, lyon.name]
    result.logins = [
        DemoLogin(role="organiser", email=ORGANISER_EMAIL, password=ORGANISER_PASSWORD, communities=names),
        DemoLogin(role="volunteer", email=VOLUNTEER_EMAIL, password=VOLUNTEER_PASSWORD, communities=names),
    ]
    return result


def _load_london(result: DemoResult, *, today: dt.date | None) -> Community:
    tz = zoneinfo.ZoneInfo("Europe/London")
    today = today or timezone.localdate(timezone=tz)
    community = _upsert(
        result,
        Community,
        {"slug": "os-builders-london"},
        {
            "name": "Open Source Builders London",
            "tagline": "Build nights, talks and workshops for people who make and maintain open-source software",
            "description": (
                "We are the community of people who **build and maintain open-source software** in and around "
                "London: maintainers, first-time contributors, and everyone in between.\n\n"
                "Every month we hold a *Build Night*: two short talks, then we hack together on our projects. "
                "Once a year, *Maintainers' Day* brings a full day of talks on keeping a project healthy.\n\n"
                "Everyone is welcome. Please read our code of conduct before you come."
            ),
            "time_zone": "Europe/London",
            "language": "en",
            "website_url": "https://os-builders.example.org",
            "mastodon_url": "https://mastodon.example/@osbuilders",
            "discord_url": "https://discord.example/os-builders",
        },
    )
    works = _venue(
        result,
        community,
        name="Shoreditch Works",
        address="32 Great Eastern Street\nEC2A 4RQ",
        city="London",
        country="United Kingdom",
    )
    kings_place = _venue(
        result, community, name="Kings Place", address="90 York Way\nN1 9AG", city="London", country="United Kingdom"
    )
    series = _upsert(result, Series, {"community": community, "title": "Build Night"}, {"frequency": "monthly"})

    # Build Night: the second Thursday of each month, two past and three to come (one of them cancelled).
    for number, months_ahead in zip(range(39, 44), (-2, -1, 1, 2, 3), strict=True):
        day = _nth_weekday(_add_months(today, months_ahead), weekday=3, n=2)
        cancelled = number == 42
        event = _event(
            result,
            community,
            slug=f"build-night-{number}",
            series=series,
            title=f"Build Night #{number}",
            summary=(
                "Cancelled: the venue is closed for works this month. See you at Build Night #43!"
                if cancelled
                else "Two short talks, then we hack together on our projects. Bring a laptop and an idea."
            ),
            description=(
                "Doors open at **18:30**, talks start at 19:00, and we hack until 21:30.\n\n"
                "- a 10-minute talk from a maintainer about their project\n"
                "- a 10-minute talk from someone who made their first contribution this year\n"
                "- then tables by topic: documentation, packaging, testing, your own project\n\n"
                "Pizza and soft drinks are on us. Tell us about dietary needs when you register."
            ),
            tz=tz,
            day=day,
            start=(18, 30),
            end=(21, 30),
            venue=works,
            capacity=80,
            status=Event.Status.CANCELLED if cancelled else Event.Status.PUBLISHED,
        )
        _ticket(result, event, name="Free ticket", price="0", currency="GBP", quantity=80)

    day = _weekday_on_or_after(today + dt.timedelta(days=24), weekday=5)
    maintainers_day = _event(
        result,
        community,
        slug="maintainers-day",
        title="Maintainers' Day",
        summary="A day of talks on keeping an open-source project healthy: funding, triage, security, burnout.",
        description=(
            "A full day for the people who keep open-source projects alive.\n\n"
            "**Programme**\n\n"
            "1. 09:30 Welcome and coffee\n"
            "2. 10:00 *Saying no kindly*: triaging issues without burning out\n"
            "3. 11:00 Security reports: what to do in the first 24 hours\n"
            "4. 14:00 Funding a project: grants, sponsors and foundations\n"
            "5. 16:00 Panel: handing a project over\n\n"
            "Lunch is included. Student tickets are free: bring your student card."
        ),
        tz=tz,
        day=day,
        start=(9, 30),
        end=(17, 30),
        venue=kings_place,
        capacity=150,
        registration_closes_at=_at(tz, day - dt.timedelta(days=1), (12, 0)),
    )
    _ticket(
        result,
        maintainers_day,
        name="Early bird",
        price="25",
        currency="GBP",
        quantity=50,
        position=0,
        sales_end=_at(tz, today + dt.timedelta(days=10), (23, 59)),
    )
    _ticket(result, maintainers_day, name="Standard", price="40", currency="GBP", quantity=90, position=1)
    _ticket(
        result,
        maintainers_day,
        name="Student",
        price="0",
        currency="GBP",
        quantity=10,
        position=2,
        description="Free for students: bring your student card.",
    )
    dinner = _event(
        result,
        community,
        slug="maintainers-day-speakers-dinner",
        title="Maintainers' Day: speakers' dinner",
        summary="Dinner for the speakers and volunteers of Maintainers' Day, the evening before.",
        description="Only for the speakers and volunteers of Maintainers' Day: you received this link by e-mail.",
        tz=tz,
        day=day - dt.timedelta(days=1),
        start=(19, 30),
        end=(22, 30),
        venue=works,
        capacity=14,
        visibility=Event.Visibility.UNLISTED,
    )
    _ticket(result, dinner, name="Speaker or volunteer", price="0", currency="GBP", quantity=14)

    office_hours = _event(
        result,
        community,
        slug="office-hours-first-contribution",
        title="Office hours: your first open-source contribution",
        summary="An hour online with two maintainers to find your first issue and open your first pull request.",
        description=(
            "Bring a project you use, or let us suggest one. We will find a good first issue together, "
            "set up the project on your machine and walk through opening a pull request.\n\n"
            "The link to the video room is on this page and in your ticket e-mail."
        ),
        tz=tz,
        day=_weekday_on_or_after(today + dt.timedelta(days=8), weekday=1),
        start=(18, 0),
        end=(19, 30),
        venue=None,
        online_url="https://meet.jit.si/os-builders-office-hours",
        capacity=100,
    )
    _ticket(result, office_hours, name="Online seat", price="0", currency="GBP", quantity=100)

    # No capacity and no ticket: people just turn up.
    _event(
        result,
        community,
        slug="pub-social",
        title="Open-source social at the pub",
        summary="No talks, no laptops: a drink with the community. Just turn up, no registration needed.",
        description="We have the back room from 19:00. Look for the table with the stickers.",
        tz=tz,
        day=_weekday_on_or_after(today + dt.timedelta(days=4), weekday=2),
        start=(19, 0),
        end=(22, 0),
        venue=_venue(
            result,
            community,
            name="The Old Fountain",
            address="3 Baldwin Street\nEC1V 9NU",
            city="London",
            country="United Kingdom",
        ),
        capacity=None,
    )

    workshop = _event(
        result,
        community,
        slug="workshop-python-packaging",
        title="Workshop: packaging Python projects the modern way",
        summary="pyproject.toml, build backends, trusted publishing: leave with your project on PyPI.",
        description="An afternoon workshop for 25 people. Bring a laptop with Python 3.11 or newer.",
        tz=tz,
        day=_weekday_on_or_before(today - dt.timedelta(days=40), weekday=5),
        start=(13, 0),
        end=(17, 0),
        venue=kings_place,
        capacity=25,
    )
    _ticket(result, workshop, name="Workshop seat", price="15", currency="GBP", quantity=25)

    party = _event(
        result,
        community,
        slug="community-party",
        title="Community party: five years of Build Nights",
        summary="Drinks, a quiz and five years of Build Nights in pictures. (Draft: the venue is not confirmed yet.)",
        description="Draft: do not share yet.",
        tz=tz,
        day=_weekday_on_or_after(today + dt.timedelta(days=50), weekday=4),
        start=(19, 0),
        end=(23, 0),
        venue=works,
        capacity=120,
        status=Event.Status.DRAFT,
    )
    _ticket(result, party, name="Free ticket", price="0", currency="GBP", quantity=120)
    return community


def _load_lyon(result: DemoResult, *, today: dt.date | None) -> Community:
    tz = zoneinfo.ZoneInfo("Europe/Paris")
    today = today or timezone.localdate(timezone=tz)
    community = _upsert(
        result,
        Community,
        {"slug": "aperos-data-lyon"},
        {
            "name": "Les Apéros Data de Lyon",
            "tagline": "Des rencontres conviviales autour de la donnée, tous les mois à Lyon",
            "description": (
                "Les Apéros Data réunissent chaque mois à Lyon celles et ceux qui travaillent avec des données : "
                "analystes, développeuses, chercheurs, journalistes, curieux.\n\n"
                "Au programme : **une présentation de 20 minutes**, des questions, puis un apéro pour continuer "
                "la discussion. Nous organisons aussi des ateliers pratiques le samedi matin.\n\n"
                "Entrée libre sur inscription, dans la limite des places disponibles."
            ),
            "time_zone": "Europe/Paris",
            "language": "fr",
            "website_url": "https://aperos-data-lyon.example.org",
            "linkedin_url": "https://www.linkedin.example/company/aperos-data-lyon",
        },
    )
    pentes = _venue(
        result,
        community,
        name="Le Tiers-Lieu des Pentes",
        address="14 montée de la Grande-Côte\n69001",
        city="Lyon",
        country="France",
    )
    rancy = _venue(
        result,
        community,
        name="Maison pour tous des Rancy",
        address="249 rue Vendôme\n69003",
        city="Lyon",
        country="France",
    )
    apero_description = (
        "Rendez-vous à **19 h** pour une présentation de 20 minutes suivie de questions, "
        "puis on continue autour d'un verre jusqu'à 21 h 30.\n\n"
        "Boissons et grignotages offerts par nos partenaires."
    )
    upcoming = _event(
        result,
        community,
        slug="apero-data-12",
        title="Apéro Data #12 : la qualité des données en production",
        summary="Comment détecter et corriger les données fausses avant qu'elles n'arrivent dans vos tableaux de bord.",
        description=apero_description,
        tz=tz,
        day=_weekday_on_or_after(today + dt.timedelta(days=14), weekday=3),
        start=(19, 0),
        end=(21, 30),
        venue=pentes,
        capacity=40,
    )
    _ticket(result, upcoming, name="Entrée libre", price="0", currency="EUR", quantity=40)
    past = _event(
        result,
        community,
        slug="apero-data-11",
        title="Apéro Data #11 : cartographier Lyon avec OpenStreetMap",
        summary="Retour d'expérience sur la cartographie collaborative des pistes cyclables lyonnaises.",
        description=apero_description,
        tz=tz,
        day=_weekday_on_or_before(today - dt.timedelta(days=20), weekday=3),
        start=(19, 0),
        end=(21, 30),
        venue=pentes,
        capacity=40,
    )
    _ticket(result, past, name="Entrée libre", price="0", currency="EUR", quantity=40)
    workshop = _event(
        result,
        community,
        slug="atelier-duckdb",
        title="Atelier : premiers pas avec DuckDB",
        summary="Trois heures pour analyser de vrais jeux de données ouverts avec DuckDB et SQL, sans rien installer.",
        description=(
            "Un atelier pratique en petit groupe (20 personnes au plus).\n\n"
            "- installation et premiers pas\n"
            "- lire des fichiers CSV et Parquet de data.gouv.fr\n"
            "- jointures, agrégats et fenêtres\n\n"
            "Apportez un ordinateur portable. Café et viennoiseries compris."
        ),
        tz=tz,
        day=_weekday_on_or_after(today + dt.timedelta(days=28), weekday=5),
        start=(10, 0),
        end=(13, 0),
        venue=rancy,
        capacity=20,
    )
    _ticket(result, workshop, name="Atelier", price="15", currency="EUR", quantity=16, position=0)
    _ticket(
        result,
        workshop,
        name="Tarif réduit",
        price="5",
        currency="EUR",
        quantity=4,
        position=1,
        description="Étudiants et demandeurs d'emploi.",
    )
    return community


def _user(result: DemoResult, *, email: str, password: str, first: str, last: str):
    from allauth.account.models import EmailAddress

    user = _upsert(
        result, get_user_model(), {"email": email}, {"username": email, "first_name": first, "last_name": last}
    )
    # A fresh hash on every run would be a change; only set the password when it is not the demo one.
    if not user.check_password(password):
        user.set_password(password)
        user.save(update_fields=["password"])
    _upsert(result, EmailAddress, {"user": user, "email": email}, {"verified": True, "primary": True})
    return user


def _venue(result: DemoResult, community: Community, *, name: str, address: str, city: str, country: str) -> Venue:
    one_line = ", ".join([" ".join(address.split()), city, country])
    return _upsert(
        result,
        Venue,
        {"community": community, "name": name},
        {
            "address": address,
            "city": city,
            "country": country,
            "map_url": f"https://www.openstreetmap.org/search?query={quote(one_line)}",
        },
    )


def _event(
    result: DemoResult,
    community: Community,
    *,
    slug: str,
    tz: zoneinfo.ZoneInfo,
    day: dt.date,
    start: tuple[int, int],
    end: tuple[int, int],
    status: str = Event.Status.PUBLISHED,
    visibility: str = Event.Visibility.PUBLIC,
    online_url: str = "",
    series: Series | None = None,
    registration_closes_at: dt.datetime | None = None,
    **values,
) -> Event:
    values.update(
        series=series,
        time_zone=str(tz),
        start=_at(tz, day, start),
        end=_at(tz, day, end),
        online_url=online_url,
        status=status,
        visibility=visibility,
        registration_closes_at=registration_closes_at,
    )
    on_create = {
        "published_at": timezone.now() if status != Event.Status.DRAFT else None,
        "cancelled_at": timezone.now() if status == Event.Status.CANCELLED else None,
    }
    return _upsert(result, Event, {"community": community, "slug": slug}, values, on_create=on_create)


def _ticket(
    result: DemoResult,
    event: Event,
    *,
    name: str,
    price: str,
    currency: str,
    quantity: int,
    position: int = 0,
    description: str = "",
    sales_end: dt.datetime | None = None,
) -> TicketType:
    values = {
        "price": Decimal(price),
        "currency": currency,
        "quantity": quantity,
        "position": position,
        "description": description,
        "sales_end": sales_end,
    }
    unchanged_before = result.unchanged
    ticket_type = _upsert(result, TicketType, {"event": event, "name": name}, values)
    if result.unchanged == unchanged_before:
        # The event page is cached by the event's updated_at: a new or changed ticket type must show at once.
        event.updated_at = timezone.now()
        event.save(update_fields=["updated_at"])
    return ticket_type


def _upsert(result: DemoResult, model, lookup: dict, values: dict, *, on_create: dict | None = None):
    """Find the row by its natural key; create it, or save only the fields that differ."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        result.created += 1
        return model.objects.create(**lookup, **values, **(on_create or {}))
    changed = [name for name, value in values.items() if _current(obj, name) != _comparable(value)]
    if not changed:
        result.unchanged += 1
        return obj
    for name in changed:
        setattr(obj, name, values[name])
    if isinstance(obj, Event) and _CALENDAR_FIELDS.intersection(changed):
        obj.sequence += 1
        changed.append("sequence")
    if hasattr(obj, "updated_at"):
        obj.updated_at = timezone.now()
        changed.append("updated_at")
    obj.save(update_fields=changed)
    result.updated += 1
    return obj


def _current(obj, name: str):
    field = obj._meta.get_field(name)
    # Compare foreign keys by id so that checking a row costs no extra query.
    return getattr(obj, field.attname) if field.is_relation else getattr(obj, name)


def _comparable(value):
    return value.pk if hasattr(value, "_meta") else value


def _at(tz: zoneinfo.ZoneInfo, day: dt.date, hour_minute: tuple[int, int]) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(*hour_minute), tzinfo=tz)


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _nth_weekday(first_of_month: dt.date, *, weekday: int, n: int) -> dt.date:
    return _weekday_on_or_after(first_of_month, weekday=weekday) + dt.timedelta(weeks=n - 1)


def _weekday_on_or_after(day: dt.date, *, weekday: int) -> dt.date:
    return day + dt.timedelta(days=(weekday - day.weekday()) % 7)


def _weekday_on_or_before(day: dt.date, *, weekday: int) -> dt.date:
    return day - dt.timedelta(days=(day.weekday() - weekday) % 7)
