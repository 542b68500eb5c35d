"""Public pages: home, community pages, event pages, calendar files, robots.txt."""

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from events import access, calendar, pagecache, selectors, seo
from events.markdown import excerpt
from events.models import Community, Event

EVENTS_PER_PAGE = 12


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    if not pagecache.can_share(request):
        return _render_home(request)
    version = ("home", *selectors.home_version())
    return pagecache.cached_page(request, version=version, render=lambda: _render_home(request))


def _render_home(request: HttpRequest) -> HttpResponse:
    communities = selectors.listed_communities()
    filters, unknown_community = selectors.parse_event_filters(params=request.GET, communities=communities)
    page = Paginator(selectors.listed_events(filters=filters), EVENTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "events/home.html",
        {
            "page": page,
            "events": page.object_list,
            "filters": filters,
            "communities": communities,
            "unknown_community": unknown_community,
            "is_filtered": bool(filters.q or filters.community),
        },
    )


@require_safe
def community(request: HttpRequest, community: str) -> HttpResponse:
    return _community_cached(request, community, name="community", render=_render_community)


def _render_community(request: HttpRequest, community: Community) -> HttpResponse:
    now = timezone.now()
    shown = selectors.PAST_EVENTS_ON_COMMUNITY_PAGE
    past = selectors.community_past_events(community=community, now=now, limit=shown + 1)
    return render(
        request,
        "events/community.html",
        {
            "community": community,
            "upcoming": selectors.community_upcoming_events(community=community, now=now),
            "past": past[:shown],
            "more_past": len(past) > shown,
            "feed": calendar.feed_urls(community=community),
            "json_ld": seo.community_json_ld(community=community),
            "meta": seo.social_meta(
                title=community.name,
                description=excerpt(community.tagline or community.description),
                path=community.get_absolute_url(),
                image_url=community.logo.url if community.logo else "",
            ),
        },
    )


@require_safe
def community_calendar(request: HttpRequest, community: str) -> HttpResponse:
    return _community_cached(request, community, name="feed", render=_render_feed)


def _render_feed(request: HttpRequest, community: Community) -> HttpResponse:
    events = selectors.community_feed_events(community=community)
    response = HttpResponse(
        calendar.community_ics(community=community, events=events), content_type=calendar.CONTENT_TYPE
    )
    response["Content-Disposition"] = f'inline; filename="{community.slug}.ics"'
    return response


def _community_cached(request: HttpRequest, slug: str, *, name: str, render) -> HttpResponse:
    """A community's page or feed, from the cache for anonymous visitors when the community has not changed."""

    def render_page():
        found = selectors.community_for_page(slug=slug)
        if found is None:
            raise Http404
        return render(request, found)

    if not pagecache.can_share(request):
        return render_page()
    version = selectors.community_version(slug=slug)
    if version is None:
        raise Http404
    return pagecache.cached_page(request, version=(name, *version), render=render_page)


@require_safe
def event(request: HttpRequest, community: str, event: str) -> HttpResponse:
    if pagecache.can_share(request):
        # Anonymous visitors: one cheap query tells whether the page is already rendered.
        version = selectors.event_page_version(community_slug=community, event_slug=event)
        if version is None or version.status == Event.Status.DRAFT:
            raise Http404
        return pagecache.cached_page(
            request, version=("event", *version), render=lambda: _event_page(request, community, event)
        )
    return _event_page(request, community, event)


def _event_page(request: HttpRequest, community_slug: str, event_slug: str) -> HttpResponse:
    found, organiser = _event_or_404(request, community_slug, event_slug)
    # Organisers get the edit link (and drafts): a page for them alone, never shared (cached_page checks).
    return _render_event(request, found, organiser=organiser)


def _render_event(request: HttpRequest, event: Event, *, organiser: bool = False) -> HttpResponse:
    now = timezone.now()
    ticket_types = selectors.ticket_types_for_page(event=event, now=now)
    path = event.get_absolute_url()
    response = render(
        request,
        "events/event.html",
        {
            "event": event,
            "community": event.community,
            "ticket_types": ticket_types,
            "registration": selectors.registration_state(event=event, now=now),
            "is_organiser": organiser,
            "is_draft": event.status == Event.Status.DRAFT,
            "noindex": event.status == Event.Status.DRAFT or event.visibility == Event.Visibility.UNLISTED,
            "google_calendar_url": calendar.google_calendar_url(event=event),
            "share_links": seo.share_links(title=event.title, path=path),
            "share_url": seo.absolute(path),
            "json_ld": seo.event_json_ld(event=event, ticket_types=ticket_types, now=now),
            "meta": seo.social_meta(
                title=event.title,
                description=seo.event_description(event),
                path=path,
                image_url=event.cover.url if event.cover else "",
            ),
        },
    )
    return pagecache.expire_at(response, selectors.next_page_change(event=event, ticket_types=ticket_types, now=now))


@require_safe
def event_ics(request: HttpRequest, community: str, event: str) -> HttpResponse:
    found, _organiser = _event_or_404(request, community, event)
    response = HttpResponse(calendar.event_ics(event=found), content_type=calendar.CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{found.slug}.ics"'
    return response


@require_safe
def robots(request: HttpRequest) -> HttpResponse:
    return render(request, "robots.txt", content_type="text/plain; charset=utf-8")


def _event_or_404(request: HttpRequest, community_slug: str, event_slug: str) -> tuple[Event, bool]:
    """The event and whether the visitor organises its community; drafts are 404 for everyone else."""
    found = selectors.event_for_page(community_slug=community_slug, event_slug=event_slug)
    if found is None:
        raise Http404
    organiser = request.user.is_authenticated and access.is_organiser(user=request.user, community=found.community)
    if found.status == Event.Status.DRAFT and not organiser:
        raise Http404
    return found, organiser
