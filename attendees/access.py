"""Permission-checked lookups for the organiser pages of registration, built on events.access."""

from django.http import Http404

from attendees.models import Order, Question
from events import access as events_access
from events.models import Event

# Ids come from the address; one past what the database holds would overflow before it could say "not found".
MAX_ID = 2**63 - 1


def event_for_organiser(*, user, community_slug: str, event_slug: str) -> Event:
    """The community's event, for one of its organisers (404 / 403 otherwise): volunteers see the door page only."""
    return events_access.event_for_organiser(user=user, community_slug=community_slug, event_slug=event_slug)


def event_pk_for_organiser(*, user, community_slug: str, event_slug: str) -> int:
    """The event's id only, after the same check, in one narrow query: for a page kept in the cache."""
    return events_access.event_pk_for_organiser(user=user, community_slug=community_slug, event_slug=event_slug)


def order_for_organiser(*, user, community_slug: str, event_slug: str, order_id: int) -> Order:
    """One registration of the community's event, for one of its organisers (404 / 403 otherwise)."""
    event = event_for_organiser(user=user, community_slug=community_slug, event_slug=event_slug)
    if not 0 < order_id <= MAX_ID:
        raise Http404
    order = Order.objects.filter(event=event, pk=order_id).first()
    if order is None:  # unknown, or another event's (perhaps another community's)
        raise Http404
    order.event = event
    return order


def question_for_organiser(*, user, community_slug: str, event_slug: str, question_id: int) -> Question:
    """One of the event's registration questions, for one of the community's organisers (404 / 403 otherwise)."""
    event = event_for_organiser(user=user, community_slug=community_slug, event_slug=event_slug)
    if not 0 < question_id <= MAX_ID:
        raise Http404
    question = Question.objects.filter(event=event, pk=question_id).first()
    if question is None:
        raise Http404
    question.event = event
    return question
