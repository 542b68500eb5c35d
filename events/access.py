"""Permission-checked lookups: the one place that decides who may see or change a community's data."""

from django.core.exceptions import PermissionDenied
from django.db.models import CharField, OuterRef, Subquery, Value
from django.http import Http404

from events.models import Community, Event, Invitation, Membership, TicketType, Venue


def role_in(*, user, community) -> str | None:
    """The user's role in the community, or None for anonymous visitors and non-members."""
    if not user.is_authenticated:
        return None
    return Membership.objects.filter(user=user, community=community).values_list("role", flat=True).first()


def is_organiser(*, user, community) -> bool:
    return role_in(user=user, community=community) == Membership.Role.ORGANISER


def communities_for_user(*, user):
    """Communities the user belongs to, with the user's role annotated as `my_role`."""
    from django.db.models import F

    return Community.objects.filter(memberships__user=user).annotate(my_role=F("memberships__role")).order_by("name")


def _role(*, user, community: str):
    """The user's role in the community the row's `community` field names, as a subquery (None: not a member)."""
    if not user.is_authenticated:
        return Value(None, output_field=CharField())
    return Subquery(Membership.objects.filter(user=user, community=OuterRef(community)).values("role")[:1])


def community_for_organiser(*, user, slug: str) -> Community:
    """The community with this slug; 404 if it does not exist, 403 if the user is not one of its organisers. One
    query, the user's role read with the community."""
    community = Community.objects.annotate(my_role=_role(user=user, community="pk")).filter(slug=slug).first()
    if community is None:
        raise Http404
    if community.my_role != Membership.Role.ORGANISER:
        raise PermissionDenied
    return community


def event_for_organiser(*, user, community_slug: str, event_slug: str) -> Event:
    """The community's event with this slug, for one of its organisers (404 / 403 otherwise). One query, the user's
    role read with the event and its community."""
    event = (
        Event.objects.select_related("community", "venue", "series")
        .annotate(my_role=_role(user=user, community="community_id"))
        .filter(community__slug=community_slug, slug=event_slug)
        .first()
    )
    if event is None:
        # No such event: a non-organiser learns nothing of which events exist (403), as for any other address.
        community_for_organiser(user=user, slug=community_slug)
        raise Http404
    if event.my_role != Membership.Role.ORGANISER:
        raise PermissionDenied
    return event


def event_pk_for_organiser(*, user, community_slug: str, event_slug: str) -> int:
    """What `event_for_organiser` checks, for a page that reads the event only when it renders it (a page kept in
    the cache): the event's id, from one narrow query (404 / 403 as there)."""
    if user.is_authenticated:
        pk = (
            Event.objects.filter(
                community__slug=community_slug,
                slug=event_slug,
                community__memberships__user=user,
                community__memberships__role=Membership.Role.ORGANISER,
            )
            .values_list("pk", flat=True)
            .first()
        )
        if pk is not None:
            return pk
    return event_for_organiser(user=user, community_slug=community_slug, event_slug=event_slug).pk  # 404 or 403


def venue_for_organiser(*, user, community_slug: str, venue_id: int) -> Venue:
    """One of the community's venues, for one of its organisers (404 / 403 otherwise)."""
    community = community_for_organiser(user=user, slug=community_slug)
    try:
        return Venue.objects.select_related("community").get(community=community, pk=venue_id)
    except Venue.DoesNotExist:
        raise Http404 from None


def ticket_type_for_organiser(*, user, community_slug: str, event_slug: str, ticket_type_id: int) -> TicketType:
    """A ticket type of the community's event, for one of its organisers (404 / 403 otherwise)."""
    event = event_for_organiser(user=user, community_slug=community_slug, event_slug=event_slug)
    try:
        ticket_type = TicketType.objects.get(event=event, pk=ticket_type_id)
    except TicketType.DoesNotExist:
        raise Http404 from None
    ticket_type.event = event
    return ticket_type


def membership_for_organiser(*, user, community_slug: str, membership_id: int) -> Membership:
    """A membership of the community, for one of its organisers (404 / 403 otherwise)."""
    community = community_for_organiser(user=user, slug=community_slug)
    try:
        return Membership.objects.select_related("user", "community").get(community=community, pk=membership_id)
    except Membership.DoesNotExist:
        raise Http404 from None


def invitation_for_organiser(*, user, community_slug: str, invitation_id: int) -> Invitation:
    """A pending invitation of the community, for one of its organisers (404 / 403 otherwise)."""
    community = community_for_organiser(user=user, slug=community_slug)
    try:
        return Invitation.objects.select_related("community").get(
            community=community, pk=invitation_id, accepted_at__isnull=True
        )
    except Invitation.DoesNotExist:
        raise Http404 from None


def invitation_for_token(*, token: str) -> Invitation | None:
    """The invitation this secret link stands for, or None; whoever holds the link may accept it."""
    if not token or len(token) > 64:
        return None
    return Invitation.objects.select_related("community", "invited_by").filter(token=token).first()
