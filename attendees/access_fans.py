"""Permission-checked lookups of the people pages: organisers see their own community's people only; volunteers
see none of them (events.access refuses them); a fan sees what communities hold on their verified addresses."""

from django.http import Http404

from attendees.models import Fan
from events import access as events_access
from events.models import Community

MAX_ID = 2**63 - 1


def community_for_organiser(*, user, community_slug: str) -> Community:
    """The community, for one of its organisers (404 / 403 otherwise)."""
    return events_access.community_for_organiser(user=user, slug=community_slug)


def fan_for_organiser(*, user, community_slug: str, fan_id: int) -> Fan:
    """One person of the community, for one of its organisers (404 / 403 otherwise)."""
    community = community_for_organiser(user=user, community_slug=community_slug)
    if not 0 < fan_id <= MAX_ID:
        raise Http404
    fan = Fan.objects.filter(community=community, pk=fan_id).select_related("flagged_by", "erased_by").first()
    if fan is None:  # unknown, or another community's
        raise Http404
    fan.community = community
    return fan


def verified_emails(user) -> list[str]:
    from allauth.account.models import EmailAddress

    addresses = EmailAddress.objects.filter(user=user, verified=True).values_list("email", flat=True)
    return sorted({e.lower() for e in addresses})


def fans_of_user(*, user, community_slug: str | None = None) -> list[Fan]:
    """The people the user is in communities' lists: by account, or by one of their verified e-mail addresses;
    never erased ones. With `community_slug`, that community's only, and 404 when there are none."""
    from django.db.models import Q

    if not user.is_authenticated:
        raise Http404
    fans = Fan.objects.filter(Q(user=user) | Q(email__in=verified_emails(user)), erased_at__isnull=True)
    if community_slug is not None:
        fans = fans.filter(community__slug=community_slug)
    found = list(fans.select_related("community").order_by("community__name", "pk"))
    if community_slug is not None and not found:
        raise Http404
    return found
