"""Tests for the organiser services: each success, each refusal, and the database state they leave."""

import datetime as dt
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image

from events import services
from events.models import Community, Event, Invitation, Membership, Series, TicketType, Venue
from events.services import EventError
from events.services.members import INVITATION_VALID_FOR
from tests.factories import (
    CommunityFactory,
    EventFactory,
    MembershipFactory,
    TicketTypeFactory,
    UserFactory,
    VenueFactory,
)

PARIS = ZoneInfo("Europe/Paris")
pytestmark = pytest.mark.django_db


def paris(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=PARIS)


def png_file(name="logo.png") -> ContentFile:
    buffer = io.BytesIO()
    Image.new("RGB", (300, 300), (10, 20, 30)).save(buffer, "PNG")
    return ContentFile(buffer.getvalue(), name=name)


def refusal(call, **kwargs) -> EventError:
    with pytest.raises(EventError) as caught:
        call(**kwargs)
    return caught.value


# EventError


def test_event_error_carries_code_message_and_field():
    error = EventError("slug_taken", "Taken.", field="slug")

    assert (error.code, error.message, error.field, str(error)) == ("slug_taken", "Taken.", "slug", "Taken.")


# Communities


def test_create_community_makes_the_user_its_organiser(user):
    community = services.create_community(
        user=user,
        name="  Paris Python ",
        slug="paris-python",
        tagline="Talks",
        description="**Hi**",
        time_zone="Europe/Paris",
        language="fr",
        website_url="https://example.org",
    )

    community.refresh_from_db()
    assert (community.name, community.slug, community.tagline, community.description) == (
        "Paris Python",
        "paris-python",
        "Talks",
        "**Hi**",
    )
    assert (community.time_zone, community.language, community.website_url) == (
        "Europe/Paris",
        "fr",
        "https://example.org",
    )
    assert list(Membership.objects.values_list("community__slug", "user", "role")) == [
        ("paris-python", user.pk, "organiser")
    ]
    assert community.created_at == community.updated_at


def test_create_community_without_slug_makes_one_from_the_name(user):
    CommunityFactory(slug="cafe-creme")

    community = services.create_community(user=user, name="Café Crème")

    assert community.slug == "cafe-creme-2"


def test_create_community_with_a_name_that_slugifies_to_nothing_gets_a_fallback_slug(user):
    community = services.create_community(user=user, name="東京")

    assert community.slug == "community"


def test_create_community_refuses_a_taken_slug_and_suggests_a_free_one(user):
    CommunityFactory(slug="paris-python")

    error = refusal(services.create_community, user=user, name="Paris Python", slug="paris-python")

    assert (error.code, error.field) == ("slug_taken", "slug")
    assert error.message == "“paris-python” is already taken by another community. “paris-python-2” is free."
    assert Community.objects.count() == 1
    assert Membership.objects.count() == 0


@pytest.mark.parametrize(
    ("slug", "code"),
    [
        ("Not a slug!", "slug_invalid"),
        ("new", "slug_reserved"),
        ("invitations", "slug_reserved"),
        ("a" * 61, "slug_too_long"),
    ],
)
def test_create_community_refuses_bad_slugs(user, slug, code):
    error = refusal(services.create_community, user=user, name="X", slug=slug)

    assert (error.code, error.field) == (code, "slug")
    assert Community.objects.count() == 0


@pytest.mark.parametrize(
    ("kwargs", "code", "field"),
    [
        ({"name": "   "}, "name_required", "name"),
        ({"name": "x" * 121}, "too_long", "name"),
        ({"name": "X", "time_zone": "Mars/Olympus"}, "time_zone_invalid", "time_zone"),
        ({"name": "X", "time_zone": "UTC"}, "time_zone_invalid", "time_zone"),
        ({"name": "X", "language": "de"}, "language_invalid", "language"),
        ({"name": "X", "website_url": "javascript:alert(1)"}, "url_invalid", "website_url"),
        ({"name": "X", "discord_url": "not a url"}, "url_invalid", "discord_url"),
    ],
)
def test_create_community_refuses_bad_values(user, kwargs, code, field):
    error = refusal(services.create_community, user=user, **kwargs)

    assert (error.code, error.field) == (code, field)
    assert Community.objects.count() == 0


def test_create_community_stores_the_logo(user):
    community = services.create_community(user=user, name="Logo club", logo=png_file("abc.png"))

    community.refresh_from_db()
    assert community.logo.name == "communities/abc.png"


def test_update_community_changes_fields_and_touches_updated_at(community):
    before = community.updated_at

    updated = services.update_community(community=community, name="New name", tagline="New tagline", language="fr")

    community.refresh_from_db()
    assert (community.name, community.tagline, community.language) == ("New name", "New tagline", "fr")
    assert community.slug == updated.slug
    assert community.updated_at > before


def test_update_community_sets_and_removes_the_logo(community):
    services.update_community(community=community, logo=png_file("one.png"))
    community.refresh_from_db()
    assert community.logo.name == "communities/one.png"

    services.update_community(community=community, logo="")

    community.refresh_from_db()
    assert community.logo.name == ""


def test_update_community_refuses_a_bad_url_and_changes_nothing(community):
    error = refusal(services.update_community, community=community, name="Changed", mastodon_url="ftp://x.org")

    community.refresh_from_db()
    assert (error.code, error.field) == ("url_invalid", "mastodon_url")
    assert community.name.startswith("Community ")


def test_update_community_cannot_change_the_slug(community):
    with pytest.raises(TypeError):
        services.update_community(community=community, slug="other")


# Members and invitations


def test_invite_member_creates_an_invitation_and_mails_it_after_commit(
    community, organiser, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://rdv.example"
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        invitation = services.invite_member(
            community=community, email=" Someone@Example.ORG ", role="volunteer", invited_by=organiser
        )
        assert mail.outbox == []

    assert len(callbacks) == 1
    assert list(Invitation.objects.values_list("email", "role", "invited_by", "accepted_at")) == [
        ("someone@example.org", "volunteer", organiser.pk, None)
    ]
    assert len(invitation.token) == 43
    [message] = mail.outbox
    assert message.to == ["someone@example.org"]
    assert message.subject == f"You are invited to join {community.name} on Rendezvous"
    link = f"https://rdv.example/manage/invitations/{invitation.token}/"
    assert link in message.body
    assert link in message.alternatives[0][0]
    assert f"invites you to join {community.name} on Rendezvous as volunteer." in " ".join(message.body.split())
    assert f"<strong>{community.name}</strong> as <strong>volunteer</strong>." in message.alternatives[0][0]


def test_invite_member_replaces_the_pending_invitation_to_the_same_address(community, organiser):
    first = services.invite_member(community=community, email="a@example.org", role="volunteer", invited_by=organiser)

    second = services.invite_member(community=community, email="A@example.org", role="organiser", invited_by=organiser)

    assert list(Invitation.objects.values_list("pk", "email", "role")) == [(second.pk, "a@example.org", "organiser")]
    assert first.token != second.token


def test_invite_member_keeps_accepted_invitations(community, organiser, user):
    first = services.invite_member(community=community, email="x@example.org", role="volunteer", invited_by=organiser)
    services.accept_invitation(token=first.token, user=user)
    Membership.objects.filter(user=user).delete()

    second = services.invite_member(community=community, email="x@example.org", role="volunteer", invited_by=organiser)

    assert sorted(Invitation.objects.values_list("pk", flat=True)) == [first.pk, second.pk]


@pytest.mark.parametrize(
    ("email", "role", "code", "field"),
    [
        ("not-an-email", "volunteer", "email_invalid", "email"),
        ("", "volunteer", "email_invalid", "email"),
        ("a@example.org", "king", "role_invalid", "role"),
    ],
)
def test_invite_member_refuses_bad_input(community, organiser, email, role, code, field):
    error = refusal(services.invite_member, community=community, email=email, role=role, invited_by=organiser)

    assert (error.code, error.field) == (code, field)
    assert Invitation.objects.count() == 0


def test_invite_member_refuses_someone_already_member(community, organiser):
    error = refusal(
        services.invite_member,
        community=community,
        email=organiser.email.upper(),
        role="volunteer",
        invited_by=organiser,
    )

    assert (error.code, error.field) == ("already_member", "email")
    assert Invitation.objects.count() == 0


def _invitation(community, role="volunteer", **kwargs):
    return Invitation.objects.create(
        community=community, email="guest@example.org", role=role, token=f"token-{role}", **kwargs
    )


def test_accept_invitation_creates_the_membership_and_uses_up_the_invitation(community, user):
    invitation = _invitation(community)

    membership = services.accept_invitation(token=invitation.token, user=user)

    invitation.refresh_from_db()
    assert (membership.community, membership.user, membership.role) == (community, user, "volunteer")
    assert invitation.accepted_by == user
    assert invitation.accepted_at is not None


def test_accept_invitation_twice_is_refused(community, user):
    invitation = _invitation(community)
    services.accept_invitation(token=invitation.token, user=user)

    error = refusal(services.accept_invitation, token=invitation.token, user=UserFactory())

    assert error.code == "invitation_used"
    assert list(Membership.objects.values_list("user", flat=True)) == [user.pk]


def test_accept_invitation_with_an_unknown_token_is_refused(user):
    error = refusal(services.accept_invitation, token="nope", user=user)

    assert error.code == "invitation_unknown"
    assert Membership.objects.count() == 0


def test_accept_invitation_after_expiry_is_refused(community, user):
    invitation = _invitation(community, created_at=timezone.now() - INVITATION_VALID_FOR - dt.timedelta(minutes=1))

    error = refusal(services.accept_invitation, token=invitation.token, user=user)

    invitation.refresh_from_db()
    assert error.code == "invitation_expired"
    assert invitation.accepted_at is None
    assert Membership.objects.count() == 0


def test_accept_invitation_promotes_a_volunteer(community, volunteer):
    invitation = _invitation(community, role="organiser")

    membership = services.accept_invitation(token=invitation.token, user=volunteer)

    assert list(Membership.objects.filter(user=volunteer).values_list("pk", "role")) == [(membership.pk, "organiser")]


def test_accept_invitation_never_demotes_an_organiser(community, organiser):
    invitation = _invitation(community, role="volunteer")

    membership = services.accept_invitation(token=invitation.token, user=organiser)

    assert membership.role == "organiser"
    assert list(Membership.objects.filter(user=organiser).values_list("role", flat=True)) == ["organiser"]


def test_revoke_invitation_deletes_it(community):
    invitation = _invitation(community)

    services.revoke_invitation(invitation=invitation)
    services.revoke_invitation(invitation=invitation)  # twice is harmless

    assert Invitation.objects.count() == 0


def test_revoke_invitation_refuses_an_accepted_one(community, user):
    invitation = _invitation(community)
    services.accept_invitation(token=invitation.token, user=user)

    error = refusal(services.revoke_invitation, invitation=invitation)

    assert error.code == "invitation_used"
    assert Invitation.objects.count() == 1


def test_change_role_promotes_and_demotes(community, organiser, volunteer):
    membership = Membership.objects.get(user=volunteer)

    services.change_role(membership=membership, role="organiser")
    assert Membership.objects.get(pk=membership.pk).role == "organiser"

    services.change_role(membership=Membership.objects.get(user=organiser), role="volunteer")
    assert dict(Membership.objects.values_list("user", "role")) == {
        organiser.pk: "volunteer",
        volunteer.pk: "organiser",
    }


def test_change_role_refuses_to_demote_the_last_organiser(community, organiser, volunteer):
    error = refusal(services.change_role, membership=Membership.objects.get(user=organiser), role="volunteer")

    assert (error.code, error.field) == ("last_organiser", "role")
    assert error.message == "A community needs at least one organiser: make someone else an organiser first."
    assert dict(Membership.objects.values_list("user", "role")) == {
        organiser.pk: "organiser",
        volunteer.pk: "volunteer",
    }


def test_change_role_refuses_an_unknown_role(community, volunteer):
    error = refusal(services.change_role, membership=Membership.objects.get(user=volunteer), role="admin")

    assert error.code == "role_invalid"
    assert Membership.objects.get(user=volunteer).role == "volunteer"


def test_change_role_of_someone_removed_meanwhile_is_refused(community, volunteer):
    membership = Membership.objects.get(user=volunteer)
    Membership.objects.filter(pk=membership.pk).delete()

    error = refusal(services.change_role, membership=membership, role="organiser")

    assert error.code == "member_gone"
    assert Membership.objects.filter(user=volunteer).count() == 0


def test_remove_member_deletes_the_membership(community, organiser, volunteer):
    services.remove_member(membership=Membership.objects.get(user=volunteer))

    assert list(Membership.objects.values_list("user", flat=True)) == [organiser.pk]


def test_remove_member_can_remove_an_organiser_when_another_remains(community, organiser):
    other = MembershipFactory(community=community)

    services.remove_member(membership=Membership.objects.get(user=organiser))

    assert list(Membership.objects.values_list("pk", flat=True)) == [other.pk]


def test_remove_member_refuses_to_remove_the_last_organiser(community, organiser, volunteer):
    error = refusal(services.remove_member, membership=Membership.objects.get(user=organiser))

    assert error.code == "last_organiser"
    assert Membership.objects.count() == 2


# Venues


def test_create_venue(community):
    venue = services.create_venue(
        community=community,
        name=" Hall ",
        address="1 rue X",
        city="Lyon",
        country="France",
        map_url="https://osm.org/x",
    )

    assert list(Venue.objects.values_list("pk", "community", "name", "address", "city", "country", "map_url")) == [
        (venue.pk, community.pk, "Hall", "1 rue X", "Lyon", "France", "https://osm.org/x")
    ]


@pytest.mark.parametrize(
    ("kwargs", "code", "field"),
    [
        ({"name": ""}, "name_required", "name"),
        ({"name": "Hall", "map_url": "javascript:alert(1)"}, "url_invalid", "map_url"),
        ({"name": "Hall", "city": "x" * 81}, "too_long", "city"),
    ],
)
def test_create_venue_refuses_bad_values(community, kwargs, code, field):
    error = refusal(services.create_venue, community=community, **kwargs)

    assert (error.code, error.field) == (code, field)
    assert Venue.objects.count() == 0


def test_update_venue_touches_it_and_raises_the_sequence_of_its_upcoming_events(community):
    venue = VenueFactory(community=community)
    upcoming = EventFactory(community=community, venue=venue)
    past = EventFactory(
        community=community,
        venue=venue,
        start=timezone.now() - dt.timedelta(days=3),
        end=timezone.now() - dt.timedelta(days=2),
    )
    before = venue.updated_at

    services.update_venue(venue=venue, address="2 avenue Y")

    venue.refresh_from_db()
    upcoming.refresh_from_db()
    past.refresh_from_db()
    assert venue.address == "2 avenue Y"
    assert venue.updated_at > before
    assert (upcoming.sequence, past.sequence) == (1, 0)
    assert upcoming.updated_at == venue.updated_at


def test_update_venue_without_change_only_touches_it(community):
    venue = VenueFactory(community=community)
    event = EventFactory(community=community, venue=venue)

    services.update_venue(venue=venue, name=venue.name)

    event.refresh_from_db()
    assert event.sequence == 0


def test_update_venue_refuses_a_blank_name(community):
    venue = VenueFactory(community=community, name="Hall")

    error = refusal(services.update_venue, venue=venue, name=" ")

    venue.refresh_from_db()
    assert (error.code, venue.name) == ("name_required", "Hall")


def test_delete_venue_used_only_by_past_events_leaves_them_without_venue(community):
    venue = VenueFactory(community=community)
    past = EventFactory(
        community=community,
        venue=venue,
        start=timezone.now() - dt.timedelta(days=3),
        end=timezone.now() - dt.timedelta(days=2),
    )
    cancelled = EventFactory(community=community, venue=venue, status=Event.Status.CANCELLED)

    services.delete_venue(venue=venue)

    assert Venue.objects.count() == 0
    assert list(Event.objects.order_by("pk").values_list("pk", "venue", "sequence")) == [
        (past.pk, None, 1),
        (cancelled.pk, None, 1),
    ]


def test_delete_venue_refuses_while_upcoming_events_use_it(community):
    venue = VenueFactory(community=community)
    EventFactory.create_batch(2, community=community, venue=venue)

    error = refusal(services.delete_venue, venue=venue)

    assert error.code == "venue_in_use"
    assert error.message == "2 upcoming events take place here: give them another venue first."
    assert Venue.objects.count() == 1
    assert Event.objects.filter(venue=venue).count() == 2


# Events


def _event_kwargs(community, **overrides):
    kwargs = {
        "community": community,
        "title": "Rust & Pizza",
        "start": paris(2030, 3, 12, 19, 0),
        "end": paris(2030, 3, 12, 22, 0),
    }
    return {**kwargs, **overrides}


def test_create_event_makes_a_draft_in_the_community_time_zone(community):
    community.time_zone = "America/New_York"
    venue = VenueFactory(community=community)

    event = services.create_event(**_event_kwargs(community, venue=venue, capacity=30, summary="Talks"))

    event.refresh_from_db()
    assert (event.slug, event.status, event.time_zone, event.venue, event.capacity) == (
        "rust-pizza",
        "draft",
        "America/New_York",
        venue,
        30,
    )
    assert (event.start, event.end) == (paris(2030, 3, 12, 19, 0), paris(2030, 3, 12, 22, 0))
    assert (event.sequence, event.published_at, event.cancelled_at) == (0, None, None)


def test_create_event_makes_a_unique_slug_per_community(community):
    EventFactory(community=community, slug="rust-pizza")
    EventFactory(slug="rust-pizza-2")  # another community: no clash

    event = services.create_event(**_event_kwargs(community))

    assert event.slug == "rust-pizza-2"


def test_create_event_refuses_a_taken_slug(community):
    EventFactory(community=community, slug="rust")

    error = refusal(services.create_event, **_event_kwargs(community, slug="rust"))

    assert (error.code, error.field) == ("slug_taken", "slug")
    assert error.message == "Another event of this community already uses “rust”. “rust-2” is free."
    assert Event.objects.count() == 1


def test_create_event_refuses_the_reserved_slug_new(community):
    error = refusal(services.create_event, **_event_kwargs(community, slug="new"))

    assert error.code == "slug_reserved"


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"title": " "}, "title_required", "title"),
        ({"end": paris(2030, 3, 12, 19, 0)}, "end_before_start", "end"),
        ({"end": paris(2030, 3, 12, 18, 0)}, "end_before_start", "end"),
        ({"start": dt.datetime(2030, 3, 12, 19, 0)}, "time_invalid", "start"),  # noqa: DTZ001 (naive on purpose)
        ({"time_zone": "Nowhere/Land"}, "time_zone_invalid", "time_zone"),
        ({"capacity": 0}, "capacity_invalid", "capacity"),
        ({"visibility": "secret"}, "visibility_invalid", "visibility"),
        ({"online_url": "javascript:alert(1)"}, "url_invalid", "online_url"),
        (
            {"registration_closes_at": paris(2030, 3, 12, 23, 0)},
            "registration_closes_after_end",
            "registration_closes_at",
        ),
        (
            {"registration_opens_at": paris(2030, 3, 1), "registration_closes_at": paris(2030, 2, 1)},
            "registration_closes_before_opens",
            "registration_closes_at",
        ),
    ],
)
def test_create_event_refuses_bad_values(community, overrides, code, field):
    error = refusal(services.create_event, **_event_kwargs(community, **overrides))

    assert (error.code, error.field) == (code, field)
    assert Event.objects.count() == 0


def test_create_event_refuses_a_venue_of_another_community(community):
    foreign = VenueFactory()

    error = refusal(services.create_event, **_event_kwargs(community, venue=foreign))

    assert (error.code, error.field) == ("venue_invalid", "venue")
    assert Event.objects.count() == 0


def test_update_event_raises_the_sequence_for_calendar_changes(community):
    event = EventFactory(community=community, title="Old")
    before = event.updated_at

    updated = services.update_event(event=event, title="New", start=event.start - dt.timedelta(hours=1))

    event.refresh_from_db()
    assert (event.title, event.sequence) == ("New", 1)
    assert event.updated_at > before
    assert updated.sequence == 1


def test_update_event_keeps_the_sequence_for_other_changes(community):
    event = EventFactory(community=community, capacity=50)

    services.update_event(event=event, capacity=80, visibility="unlisted")

    event.refresh_from_db()
    assert (event.capacity, event.visibility, event.sequence) == (80, "unlisted", 0)


def test_update_event_with_unchanged_values_keeps_the_sequence(community):
    event = EventFactory(community=community)

    services.update_event(event=event, title=event.title, start=event.start, end=event.end)

    event.refresh_from_db()
    assert event.sequence == 0


def test_update_event_refuses_a_capacity_below_the_places_taken(community):
    event = EventFactory(community=community, capacity=50, seats_taken=20)

    error = refusal(services.update_event, event=event, capacity=10)

    event.refresh_from_db()
    assert (error.code, error.field) == ("capacity_below_taken", "capacity")
    assert event.capacity == 50


def test_update_event_refuses_end_before_start_and_changes_nothing(community):
    event = EventFactory(community=community, title="Kept")

    error = refusal(services.update_event, event=event, title="Changed", end=event.start - dt.timedelta(hours=1))

    event.refresh_from_db()
    assert error.code == "end_before_start"
    assert (event.title, event.sequence) == ("Kept", 0)


def test_update_event_refuses_changes_to_a_cancelled_event(community):
    event = EventFactory(community=community, status=Event.Status.CANCELLED, title="Kept")

    error = refusal(services.update_event, event=event, title="Changed")

    event.refresh_from_db()
    assert (error.code, event.title) == ("event_cancelled", "Kept")


def test_update_event_changes_the_slug_of_a_never_published_draft(community):
    event = EventFactory(community=community, status=Event.Status.DRAFT, published_at=None, slug="old")

    services.update_event(event=event, slug="new-slug")

    event.refresh_from_db()
    assert event.slug == "new-slug"


def test_update_event_refuses_a_slug_change_once_published(community):
    event = EventFactory(community=community, slug="kept")

    error = refusal(services.update_event, event=event, slug="other")

    event.refresh_from_db()
    assert (error.code, event.slug) == ("slug_locked", "kept")


def test_update_event_refuses_a_slug_taken_by_another_event(community):
    EventFactory(community=community, slug="taken")
    event = EventFactory(community=community, status=Event.Status.DRAFT, published_at=None, slug="mine")

    error = refusal(services.update_event, event=event, slug="taken")

    event.refresh_from_db()
    assert (error.code, event.slug) == ("slug_taken", "mine")


def test_update_event_sets_and_removes_the_cover(community):
    event = EventFactory(community=community)

    services.update_event(event=event, cover=png_file("c.png"))
    event.refresh_from_db()
    assert event.cover.name == "covers/c.png"

    services.update_event(event=event, cover="")
    event.refresh_from_db()
    assert event.cover.name == ""


def test_update_event_refuses_a_venue_of_another_community(community):
    event = EventFactory(community=community)
    own_venue = event.venue

    error = refusal(services.update_event, event=event, venue=VenueFactory())

    event.refresh_from_db()
    assert (error.code, event.venue) == ("venue_invalid", own_venue)


def test_publish_event_publishes_a_draft(community):
    event = EventFactory(community=community, status=Event.Status.DRAFT, published_at=None)

    services.publish_event(event=event)

    event.refresh_from_db()
    assert (event.status, event.sequence) == ("published", 1)
    assert event.published_at is not None
    assert event.updated_at == event.published_at


def test_publish_event_refuses_an_event_without_place(community):
    event = EventFactory(community=community, status=Event.Status.DRAFT, published_at=None, venue=None, online_url="")

    error = refusal(services.publish_event, event=event)

    event.refresh_from_db()
    assert (error.code, event.status) == ("no_place", "draft")


def test_publish_event_accepts_an_online_only_event(community):
    event = EventFactory(
        community=community, status=Event.Status.DRAFT, published_at=None, venue=None, online_url="https://meet.example"
    )

    services.publish_event(event=event)

    assert Event.objects.get(pk=event.pk).status == "published"


@pytest.mark.parametrize(("status", "code"), [("published", "already_published"), ("cancelled", "event_cancelled")])
def test_publish_event_refuses_other_states(community, status, code):
    event = EventFactory(community=community, status=status)

    error = refusal(services.publish_event, event=event)

    event.refresh_from_db()
    assert (error.code, event.status, event.sequence) == (code, status, 0)


def test_cancel_event_cancels_a_published_event(community):
    event = EventFactory(community=community)

    services.cancel_event(event=event)

    event.refresh_from_db()
    assert (event.status, event.sequence) == ("cancelled", 1)
    assert event.cancelled_at == event.updated_at


@pytest.mark.parametrize(("status", "code"), [("draft", "not_published"), ("cancelled", "already_cancelled")])
def test_cancel_event_refuses_other_states(community, status, code):
    event = EventFactory(community=community, status=status)

    error = refusal(services.cancel_event, event=event)

    event.refresh_from_db()
    assert (error.code, event.status, event.cancelled_at) == (code, status, None)


def test_unpublish_event_takes_an_event_nobody_registered_for_back_to_draft(community):
    event = EventFactory(community=community)

    services.unpublish_event(event=event)

    event.refresh_from_db()
    assert (event.status, event.sequence) == ("draft", 1)


def test_unpublish_event_refuses_once_people_registered(community):
    event = EventFactory(community=community)
    TicketTypeFactory(event=event, quantity_sold=1)

    error = refusal(services.unpublish_event, event=event)

    event.refresh_from_db()
    assert (error.code, event.status) == ("has_registrations", "published")


def test_unpublish_event_refuses_a_draft(community):
    event = EventFactory(community=community, status=Event.Status.DRAFT)

    assert refusal(services.unpublish_event, event=event).code == "not_published"


def test_delete_event_deletes_a_never_published_draft_and_its_ticket_types(community):
    event = EventFactory(community=community, status=Event.Status.DRAFT, published_at=None)
    TicketTypeFactory(event=event)

    services.delete_event(event=event)

    assert (Event.objects.count(), TicketType.objects.count()) == (0, 0)


@pytest.mark.parametrize(
    "kwargs",
    [{"status": "published"}, {"status": "cancelled"}, {"status": "draft"}],  # the draft was published once
)
def test_delete_event_refuses_events_that_were_published(community, kwargs):
    event = EventFactory(community=community, **kwargs)

    error = refusal(services.delete_event, event=event)

    assert error.code == "not_deletable"
    assert Event.objects.count() == 1


# Ticket types


def test_create_ticket_type_appends_it_and_touches_the_event(community):
    event = EventFactory(community=community)
    first = TicketTypeFactory(event=event, position=0)
    before = event.updated_at

    ticket_type = services.create_ticket_type(
        event=event,
        name="Supporter",
        quantity=10,
        price="12.5",
        currency="GBP",
        sales_end=event.start,
    )

    event.refresh_from_db()
    assert list(
        event.ticket_types.values_list("pk", "name", "price", "currency", "quantity", "quantity_sold", "position")
    ) == [
        (first.pk, "General admission", Decimal("0.00"), "EUR", 50, 0, 0),
        (ticket_type.pk, "Supporter", Decimal("12.50"), "GBP", 10, 0, 1),
    ]
    assert event.updated_at > before
    assert event.sequence == 0


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"name": ""}, "name_required", "name"),
        ({"price": "-1"}, "price_invalid", "price"),
        ({"price": "abc"}, "price_invalid", "price"),
        ({"price": "NaN"}, "price_invalid", "price"),
        ({"quantity": 0}, "quantity_invalid", "quantity"),
        ({"currency": "XYZ"}, "currency_invalid", "currency"),
    ],
)
def test_create_ticket_type_refuses_bad_values(community, overrides, code, field):
    event = EventFactory(community=community)
    kwargs = {"event": event, "name": "Standard", "quantity": 10, **overrides}

    error = refusal(services.create_ticket_type, **kwargs)

    assert (error.code, error.field) == (code, field)
    assert TicketType.objects.count() == 0


def test_create_ticket_type_refuses_a_sales_window_ending_before_it_starts(community):
    event = EventFactory(community=community)
    start = event.start - dt.timedelta(days=2)

    error = refusal(
        services.create_ticket_type, event=event, name="Early", quantity=5, sales_start=start, sales_end=start
    )

    assert (error.code, error.field) == ("sales_end_before_start", "sales_end")
    assert TicketType.objects.count() == 0


def test_create_ticket_type_refuses_sales_after_the_event(community):
    event = EventFactory(community=community)

    error = refusal(
        services.create_ticket_type, event=event, name="Late", quantity=5, sales_end=event.end + dt.timedelta(hours=1)
    )

    assert (error.code, error.field) == ("sales_end_after_event", "sales_end")


def test_create_ticket_type_refuses_on_a_cancelled_event(community):
    event = EventFactory(community=community, status=Event.Status.CANCELLED)

    error = refusal(services.create_ticket_type, event=event, name="Standard", quantity=5)

    assert (error.code, TicketType.objects.count()) == ("event_cancelled", 0)


def test_update_ticket_type_changes_it_and_touches_the_event(community):
    event = EventFactory(community=community)
    ticket_type = TicketTypeFactory(event=event)
    before = event.updated_at

    services.update_ticket_type(ticket_type=ticket_type, name="Regular", quantity=70, price=Decimal("5"))

    ticket_type.refresh_from_db()
    event.refresh_from_db()
    assert (ticket_type.name, ticket_type.quantity, ticket_type.price) == ("Regular", 70, Decimal("5.00"))
    assert event.updated_at > before


def test_update_ticket_type_refuses_a_quantity_below_what_was_sold(community):
    ticket_type = TicketTypeFactory(event__community=community, quantity=50, quantity_sold=12)

    error = refusal(services.update_ticket_type, ticket_type=ticket_type, quantity=11)

    ticket_type.refresh_from_db()
    assert (error.code, error.field, ticket_type.quantity) == ("quantity_below_sold", "quantity", 50)
    assert error.message == "12 tickets were already sold: the quantity cannot be lower."


def test_update_ticket_type_refuses_a_price_change_once_sold(community):
    ticket_type = TicketTypeFactory(event__community=community, price=Decimal("10"), quantity_sold=1)

    error = refusal(services.update_ticket_type, ticket_type=ticket_type, price=Decimal("12"))

    ticket_type.refresh_from_db()
    assert (error.code, error.field, ticket_type.price) == ("price_locked", "price", Decimal("10.00"))


def test_update_ticket_type_accepts_the_same_price_once_sold(community):
    ticket_type = TicketTypeFactory(event__community=community, price=Decimal("10"), quantity_sold=1)

    services.update_ticket_type(ticket_type=ticket_type, price=Decimal("10.00"), quantity=60)

    ticket_type.refresh_from_db()
    assert ticket_type.quantity == 60


def test_delete_ticket_type_deletes_an_unsold_one(community):
    ticket_type = TicketTypeFactory(event__community=community)
    event = ticket_type.event
    before = event.updated_at

    services.delete_ticket_type(ticket_type=ticket_type)

    event.refresh_from_db()
    assert TicketType.objects.count() == 0
    assert event.updated_at > before


def test_delete_ticket_type_refuses_once_sold(community):
    ticket_type = TicketTypeFactory(event__community=community, quantity_sold=3)

    error = refusal(services.delete_ticket_type, ticket_type=ticket_type)

    assert (error.code, TicketType.objects.count()) == ("ticket_type_sold", 1)


def test_delete_ticket_type_refuses_when_only_cancelled_orders_remain(community):
    from attendees.models import Order
    from tests.attendees.factories import TicketFactory

    ticket = TicketFactory(order__event__community=community, order__status=Order.Status.CANCELLED)

    error = refusal(services.delete_ticket_type, ticket_type=ticket.ticket_type)

    assert (error.code, TicketType.objects.count()) == ("ticket_type_has_history", 1)


def test_move_ticket_type_reorders_the_list(community):
    event = EventFactory(community=community)
    a, b, c = (TicketTypeFactory(event=event, name=name, position=i) for i, name in enumerate("abc"))

    services.move_ticket_type(ticket_type=c, direction="up")
    assert list(event.ticket_types.values_list("name", "position")) == [("a", 0), ("c", 1), ("b", 2)]

    services.move_ticket_type(ticket_type=a, direction="up")  # already first: nothing moves
    services.move_ticket_type(ticket_type=a, direction="down")
    assert list(event.ticket_types.values_list("name", flat=True)) == ["c", "a", "b"]


def test_move_ticket_type_refuses_an_unknown_direction(community):
    ticket_type = TicketTypeFactory(event__community=community)

    assert refusal(services.move_ticket_type, ticket_type=ticket_type, direction="sideways").code == "direction_invalid"


# Series: proposed dates


def _event_on(day: dt.date, hour=19, tz="Europe/Paris", **kwargs):
    zone = ZoneInfo(tz)
    start = dt.datetime.combine(day, dt.time(hour, 0), tzinfo=zone)
    return EventFactory(time_zone=tz, start=start, end=start + dt.timedelta(hours=3), **kwargs)


def test_propose_series_dates_weekly():
    event = _event_on(dt.date(2030, 1, 8))

    dates = services.propose_series_dates(event=event, frequency="weekly", count=3)

    assert dates == [dt.date(2030, 1, 15), dt.date(2030, 1, 22), dt.date(2030, 1, 29)]


def test_propose_series_dates_every_two_weeks():
    event = _event_on(dt.date(2030, 1, 8))

    dates = services.propose_series_dates(event=event, frequency="weekly", interval=2, count=3)

    assert dates == [dt.date(2030, 1, 22), dt.date(2030, 2, 5), dt.date(2030, 2, 19)]


def test_propose_series_dates_monthly_on_the_same_nth_weekday():
    event = _event_on(dt.date(2030, 1, 8))  # the 2nd Tuesday of January 2030

    dates = services.propose_series_dates(event=event, frequency="monthly", monthly_by="weekday", count=4)

    assert dates == [dt.date(2030, 2, 12), dt.date(2030, 3, 12), dt.date(2030, 4, 9), dt.date(2030, 5, 14)]
    assert {d.weekday() for d in dates} == {1}


def test_propose_series_dates_monthly_skips_months_without_a_5th_weekday():
    event = _event_on(dt.date(2030, 1, 29))  # the 5th Tuesday of January 2030

    dates = services.propose_series_dates(event=event, frequency="monthly", monthly_by="weekday", count=3)

    # February, March and May 2030 have no 5th Tuesday; April, July and October do.
    assert dates == [dt.date(2030, 4, 30), dt.date(2030, 7, 30), dt.date(2030, 10, 29)]


def test_propose_series_dates_monthly_on_day_31_skips_short_months():
    event = _event_on(dt.date(2030, 1, 31))

    dates = services.propose_series_dates(event=event, frequency="monthly", monthly_by="day", count=4)

    assert dates == [dt.date(2030, 3, 31), dt.date(2030, 5, 31), dt.date(2030, 7, 31), dt.date(2030, 8, 31)]


def test_propose_series_dates_uses_the_local_date_of_the_event():
    # 00:30 in Tokyo on January 8 is still January 7 in UTC.
    event = _event_on(dt.date(2030, 1, 8), hour=0, tz="Asia/Tokyo")

    dates = services.propose_series_dates(event=event, frequency="weekly", count=1)

    assert dates == [dt.date(2030, 1, 15)]


def test_propose_series_dates_crosses_the_year_end():
    event = _event_on(dt.date(2030, 11, 15))

    dates = services.propose_series_dates(event=event, frequency="monthly", monthly_by="day", count=3)

    assert dates == [dt.date(2030, 12, 15), dt.date(2031, 1, 15), dt.date(2031, 2, 15)]


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"frequency": "daily"}, "frequency_invalid"),
        ({"frequency": "weekly", "count": 0}, "count_invalid"),
        ({"frequency": "weekly", "count": 53}, "count_invalid"),
        ({"frequency": "weekly", "interval": 9}, "interval_invalid"),
        ({"frequency": "monthly", "monthly_by": "moon"}, "pattern_invalid"),
    ],
)
def test_propose_series_dates_refuses_bad_patterns(kwargs, code):
    event = _event_on(dt.date(2030, 1, 8))

    assert refusal(services.propose_series_dates, event=event, **kwargs).code == code


def test_propose_series_dates_writes_nothing(django_assert_num_queries):
    event = _event_on(dt.date(2030, 1, 8))

    with django_assert_num_queries(0):
        services.propose_series_dates(event=event, frequency="monthly", count=12)


# Series: creation


def test_create_series_copies_the_event_onto_each_date(community):
    event = _event_on(
        dt.date(2030, 1, 8), community=community, slug="rust-night", capacity=40, online_url="https://x.org"
    )
    TicketTypeFactory(event=event, name="Standard", quantity=30, quantity_sold=7, position=0)
    TicketTypeFactory(event=event, name="Supporter", price=Decimal("10"), quantity=5, position=1)

    created = services.create_series(
        event=event, frequency="weekly", dates=[dt.date(2030, 1, 22), dt.date(2030, 1, 15)], publish=False
    )

    series = Series.objects.get()
    event.refresh_from_db()
    assert (series.community, series.title, series.frequency) == (community, event.title, "weekly")
    assert event.series == series
    assert [e.slug for e in created] == ["rust-night-2030-01-15", "rust-night-2030-01-22"]
    for occurrence, day in zip(created, [15, 22], strict=True):
        occurrence.refresh_from_db()
        assert (occurrence.start, occurrence.end) == (paris(2030, 1, day, 19), paris(2030, 1, day, 22))
        assert (occurrence.series, occurrence.status, occurrence.published_at) == (series, "draft", None)
        assert (occurrence.title, occurrence.description, occurrence.venue, occurrence.capacity) == (
            event.title,
            event.description,
            event.venue,
            40,
        )
        assert occurrence.online_url == "https://x.org"
        assert occurrence.uid != event.uid
        assert list(occurrence.ticket_types.values_list("name", "price", "quantity", "quantity_sold", "position")) == [
            ("Standard", Decimal("0.00"), 30, 0, 0),
            ("Supporter", Decimal("10.00"), 5, 0, 1),
        ]


def test_create_series_can_publish_the_occurrences(community):
    event = _event_on(dt.date(2030, 1, 8), community=community)

    [occurrence] = services.create_series(event=event, frequency="monthly", dates=[dt.date(2030, 2, 12)], publish=True)

    occurrence.refresh_from_db()
    assert occurrence.status == "published"
    assert occurrence.published_at is not None


def test_create_series_keeps_the_local_time_across_the_october_dst_change(community):
    event = _event_on(dt.date(2030, 10, 15), community=community)  # CEST, UTC+2

    created = services.create_series(
        event=event, frequency="weekly", dates=[dt.date(2030, 10, 22), dt.date(2030, 10, 29)], publish=False
    )

    starts = [e.start for e in created]
    assert [s.astimezone(PARIS).time() for s in starts] == [dt.time(19), dt.time(19)]
    assert [s.astimezone(dt.UTC).hour for s in starts] == [17, 18]  # 27 October 2030 the clocks go back


def test_create_series_in_the_spring_gap_moves_the_time_forward(community):
    # 02:30 on 31 March 2030 does not exist in Paris: clocks jump from 02:00 to 03:00.
    start = dt.datetime(2030, 3, 24, 2, 30, tzinfo=PARIS)
    event = EventFactory(community=community, start=start, end=start + dt.timedelta(hours=1), slug="night-owls")

    [occurrence] = services.create_series(event=event, frequency="weekly", dates=[dt.date(2030, 3, 31)], publish=False)

    assert occurrence.start.astimezone(PARIS).replace(tzinfo=None) == dt.datetime(2030, 3, 31, 3, 30)


def test_create_series_is_idempotent(community):
    event = _event_on(dt.date(2030, 1, 8), community=community)
    first = services.create_series(event=event, frequency="weekly", dates=[dt.date(2030, 1, 15)], publish=False)

    again = services.create_series(
        event=event,
        frequency="weekly",
        dates=[dt.date(2030, 1, 15), dt.date(2030, 1, 22), dt.date(2030, 1, 8)],
        publish=False,
    )

    assert [e.local_start.date() for e in again] == [dt.date(2030, 1, 22)]
    assert Event.objects.count() == 3
    assert Series.objects.count() == 1
    assert first[0].series_id == again[0].series_id


def test_create_series_from_an_occurrence_reuses_the_series_and_base_slug(community):
    event = _event_on(dt.date(2030, 1, 8), community=community, slug="rust-night")
    [occurrence] = services.create_series(event=event, frequency="weekly", dates=[dt.date(2030, 1, 15)], publish=False)

    [later] = services.create_series(
        event=occurrence, frequency="weekly", dates=[dt.date(2030, 1, 8), dt.date(2030, 1, 29)], publish=False
    )

    assert later.slug == "rust-night-2030-01-29"
    assert Series.objects.count() == 1


def test_create_series_skips_a_date_whose_slug_is_taken(community):
    event = _event_on(dt.date(2030, 1, 8), community=community, slug="rust-night")
    EventFactory(community=community, slug="rust-night-2030-01-15")

    created = services.create_series(event=event, frequency="weekly", dates=[dt.date(2030, 1, 15)], publish=False)

    assert created == []
    assert Event.objects.count() == 2


def test_create_series_shifts_registration_and_sales_windows(community):
    event = _event_on(dt.date(2030, 1, 8), community=community)
    Event.objects.filter(pk=event.pk).update(registration_closes_at=event.start - dt.timedelta(hours=2))
    event.refresh_from_db()
    TicketTypeFactory(event=event, sales_end=event.start - dt.timedelta(days=1))

    [occurrence] = services.create_series(event=event, frequency="weekly", dates=[dt.date(2030, 1, 15)], publish=False)

    assert occurrence.registration_closes_at == paris(2030, 1, 15, 17)
    assert occurrence.ticket_types.get().sales_end == paris(2030, 1, 14, 19)


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"dates": []}, "no_dates"),
        ({"dates": ["not-a-date"]}, "date_invalid"),
        ({"dates": [dt.date(2030, 1, 1) + dt.timedelta(days=i) for i in range(53)]}, "too_many_dates"),
        ({"dates": [dt.date(2030, 1, 15)], "frequency": "yearly"}, "frequency_invalid"),
    ],
)
def test_create_series_refuses_bad_input(community, kwargs, code):
    event = _event_on(dt.date(2030, 1, 8), community=community)
    kwargs = {"frequency": "weekly", "publish": False, **kwargs}

    error = refusal(services.create_series, event=event, **kwargs)

    assert error.code == code
    assert (Event.objects.count(), Series.objects.count()) == (1, 0)


def test_create_series_refuses_a_cancelled_event(community):
    event = _event_on(dt.date(2030, 1, 8), community=community, status=Event.Status.CANCELLED)

    error = refusal(
        services.create_series, event=event, frequency="weekly", dates=[dt.date(2030, 1, 15)], publish=False
    )

    assert (error.code, Event.objects.count()) == ("event_cancelled", 1)


def test_create_series_refuses_to_publish_occurrences_without_a_place(community):
    event = _event_on(dt.date(2030, 1, 8), community=community, venue=None, online_url="")

    error = refusal(services.create_series, event=event, frequency="weekly", dates=[dt.date(2030, 1, 15)], publish=True)

    assert (error.code, Event.objects.count(), Series.objects.count()) == ("no_place", 1, 0)


# Signals to the apps above events (which events must not import)


@pytest.fixture
def received():
    """(signal name, sender, event_id) of each events signal sent while the test runs."""
    from events import signals

    calls = []

    def listen(name):
        def receiver(sender, event_id, **kwargs):
            calls.append((name, sender, event_id))

        return receiver

    receivers = {name: listen(name) for name in ("event_cancelled", "places_added")}
    for name, receiver in receivers.items():
        getattr(signals, name).connect(receiver, weak=False)
    yield calls
    for name, receiver in receivers.items():
        getattr(signals, name).disconnect(receiver)


def test_cancel_event_signals_event_cancelled_after_commit(community, received, django_capture_on_commit_callbacks):
    event = EventFactory(community=community)

    with django_capture_on_commit_callbacks() as callbacks:
        services.cancel_event(event=event)
    assert received == []  # nothing before the commit: a rollback must not cancel anyone's tickets
    for callback in callbacks:
        callback()

    assert received == [("event_cancelled", Event, event.pk)]


def test_cancel_event_refused_signals_nothing(community, received, django_capture_on_commit_callbacks):
    event = EventFactory(community=community, status="draft")

    with django_capture_on_commit_callbacks(execute=True):
        refusal(services.cancel_event, event=event)

    assert received == []


@pytest.mark.parametrize(
    ("before", "after", "signalled"),
    [(10, 11, True), (10, None, True), (10, 10, False), (10, 9, False), (None, 5, False)],
)
def test_update_event_signals_places_added_when_the_capacity_goes_up(
    community, received, django_capture_on_commit_callbacks, before, after, signalled
):
    event = EventFactory(community=community, capacity=before)

    with django_capture_on_commit_callbacks(execute=True):
        services.update_event(event=event, capacity=after)

    assert received == ([("places_added", Event, event.pk)] if signalled else [])


@pytest.mark.parametrize(("before", "after", "signalled"), [(5, 6, True), (5, 5, False), (5, 4, False)])
def test_update_ticket_type_signals_places_added_when_the_quantity_goes_up(
    community, received, django_capture_on_commit_callbacks, before, after, signalled
):
    ticket_type = TicketTypeFactory(event=EventFactory(community=community), quantity=before)

    with django_capture_on_commit_callbacks(execute=True):
        services.update_ticket_type(ticket_type=ticket_type, quantity=after)

    assert received == ([("places_added", TicketType, ticket_type.event_id)] if signalled else [])
