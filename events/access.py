"""Permission-checked lookups: the one place that decides who may see or change a community's data."""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from events.models import Community, Event, Membership


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


def community_for_organiser(*, user, slug: str) -> Community:
    """The community with this slug; 404 if it does not exist, 403 if the user is not one of its organisers."""
    try:
        community = Community.objects.get(slug=slug)
    except Community.DoesNotExist:
        raise Http404 from None
    if not is_organiser(user=user, community=community):
        raise PermissionDenied
    return community


def event_for_organiser(*, user, community_slug: str, event_slug: str) -> Event:
    """The community's event with this slug, for one of its organisers (404 / 403 otherwise)."""
    community = community_for_organiser(user=user, slug=community_slug)
    try:
        return Event.objects.select_related("community", "venue", "series").get(community=community, slug=event_slug)
    except Event.DoesNotExist:
        raise Http404 from None
