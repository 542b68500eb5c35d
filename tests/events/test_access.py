"""Tests for the permission-checked lookups: organisers get their community's rows, everyone else 403 or 404."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from events import access
from events.models import Invitation, Membership
from tests.factories import (
    CommunityFactory,
    EventFactory,
    MembershipFactory,
    TicketTypeFactory,
    UserFactory,
    VenueFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def outsider(db):
    return UserFactory()


@pytest.fixture
def other_organiser(db):
    return MembershipFactory().user


def test_role_in_for_each_kind_of_visitor(community, organiser, volunteer, outsider):
    assert access.role_in(user=organiser, community=community) == "organiser"
    assert access.role_in(user=volunteer, community=community) == "volunteer"
    assert access.role_in(user=outsider, community=community) is None
    assert access.role_in(user=AnonymousUser(), community=community) is None


def test_is_organiser_only_for_organisers(community, organiser, volunteer, outsider):
    assert [access.is_organiser(user=u, community=community) for u in (organiser, volunteer, outsider)] == [
        True,
        False,
        False,
    ]


def test_communities_for_user_lists_memberships_with_roles(organiser, community):
    other = CommunityFactory(name="Aardvark club")
    MembershipFactory(community=other, user=organiser, role=Membership.Role.VOLUNTEER)
    CommunityFactory(name="Not mine")

    result = [(c.name, c.my_role) for c in access.communities_for_user(user=organiser)]

    assert result == [("Aardvark club", "volunteer"), (community.name, "organiser")]


def test_community_for_organiser_returns_the_community(community, organiser):
    assert access.community_for_organiser(user=organiser, slug=community.slug) == community


@pytest.mark.parametrize("who", ["anonymous", "outsider", "volunteer", "other_organiser"])
def test_community_for_organiser_refuses_non_organisers(request, community, who):
    user = AnonymousUser() if who == "anonymous" else request.getfixturevalue(who)

    with pytest.raises(PermissionDenied):
        access.community_for_organiser(user=user, slug=community.slug)


def test_community_for_organiser_unknown_slug_is_404(organiser):
    with pytest.raises(Http404):
        access.community_for_organiser(user=organiser, slug="nope")


def test_event_for_organiser_returns_the_event_with_its_relations(community, organiser, django_assert_num_queries):
    event = EventFactory(community=community)

    with django_assert_num_queries(1):  # the event, its community and venue, and the organiser's role
        found = access.event_for_organiser(user=organiser, community_slug=community.slug, event_slug=event.slug)
        assert (found, found.community, found.venue) == (event, community, event.venue)


def test_event_for_organiser_does_not_find_another_community_event(community, organiser):
    foreign = EventFactory()

    with pytest.raises(Http404):
        access.event_for_organiser(user=organiser, community_slug=community.slug, event_slug=foreign.slug)


def test_event_for_organiser_refuses_a_volunteer(community, volunteer):
    event = EventFactory(community=community)

    with pytest.raises(PermissionDenied):
        access.event_for_organiser(user=volunteer, community_slug=community.slug, event_slug=event.slug)


def test_venue_for_organiser(community, organiser):
    venue = VenueFactory(community=community)
    foreign = VenueFactory()

    assert access.venue_for_organiser(user=organiser, community_slug=community.slug, venue_id=venue.pk) == venue
    with pytest.raises(Http404):
        access.venue_for_organiser(user=organiser, community_slug=community.slug, venue_id=foreign.pk)


def test_venue_for_organiser_refuses_an_outsider(community, outsider):
    venue = VenueFactory(community=community)

    with pytest.raises(PermissionDenied):
        access.venue_for_organiser(user=outsider, community_slug=community.slug, venue_id=venue.pk)


def test_ticket_type_for_organiser(community, organiser):
    ticket_type = TicketTypeFactory(event__community=community)
    foreign = TicketTypeFactory()
    slugs = {"community_slug": community.slug, "event_slug": ticket_type.event.slug}

    found = access.ticket_type_for_organiser(user=organiser, ticket_type_id=ticket_type.pk, **slugs)

    assert (found, found.event.community) == (ticket_type, community)
    with pytest.raises(Http404):
        access.ticket_type_for_organiser(user=organiser, ticket_type_id=foreign.pk, **slugs)


def test_membership_for_organiser(community, organiser, volunteer):
    membership = Membership.objects.get(user=volunteer)
    foreign = MembershipFactory()

    assert (
        access.membership_for_organiser(user=organiser, community_slug=community.slug, membership_id=membership.pk)
        == membership
    )
    with pytest.raises(Http404):
        access.membership_for_organiser(user=organiser, community_slug=community.slug, membership_id=foreign.pk)
    with pytest.raises(PermissionDenied):
        access.membership_for_organiser(user=volunteer, community_slug=community.slug, membership_id=membership.pk)


def test_invitation_for_organiser_finds_only_pending_invitations(community, organiser):
    pending = Invitation.objects.create(community=community, email="a@example.org", role="volunteer", token="t1")
    used = Invitation.objects.create(
        community=community, email="b@example.org", role="volunteer", token="t2", accepted_at=timezone.now()
    )

    found = access.invitation_for_organiser(user=organiser, community_slug=community.slug, invitation_id=pending.pk)

    assert found == pending
    with pytest.raises(Http404):
        access.invitation_for_organiser(user=organiser, community_slug=community.slug, invitation_id=used.pk)


def test_invitation_for_token(community):
    invitation = Invitation.objects.create(community=community, email="a@example.org", role="volunteer", token="secret")

    assert access.invitation_for_token(token="secret") == invitation
    assert access.invitation_for_token(token="other") is None
    assert access.invitation_for_token(token="") is None
    assert access.invitation_for_token(token="x" * 65) is None


def test_event_pk_for_organiser_checks_as_event_for_organiser_in_one_narrow_query(
    community, organiser, volunteer, django_assert_num_queries
):
    event = EventFactory(community=community)
    foreign = EventFactory()

    with django_assert_num_queries(1):
        found = access.event_pk_for_organiser(user=organiser, community_slug=community.slug, event_slug=event.slug)

    assert found == event.pk
    with pytest.raises(PermissionDenied):
        access.event_pk_for_organiser(user=volunteer, community_slug=community.slug, event_slug=event.slug)
    with pytest.raises(Http404):
        access.event_pk_for_organiser(user=organiser, community_slug=community.slug, event_slug=foreign.slug)
    with pytest.raises(PermissionDenied):
        access.event_pk_for_organiser(user=AnonymousUser(), community_slug=community.slug, event_slug=event.slug)
