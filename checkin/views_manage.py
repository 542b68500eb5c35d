"""Organiser pages of the door: the event's doors (links and QR codes to show volunteers) and the live door stats."""

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from attendees.qr import qr_svg
from checkin import access as checkin_access
from checkin import stats as door_stats
from checkin.csp import door_csp
from checkin.forms import DoorForm
from checkin.services import doors as door_services
from checkin.services.doors import DoorError
from events import access
from events.confirm import confirm_page

GET_POST = ["GET", "POST"]
# The stats page asks for fresh figures this often while the event is on (or about to be).
POLL_SECONDS = 5


def _doors_url(event) -> str:
    return reverse("checkin_manage:doors", kwargs={"community": event.community.slug, "event": event.slug})


def door_link(door) -> str:
    """The short link volunteers open (docs/door-protocol.md), absolute, from the site's public address."""
    return f"{settings.SITE_URL}/d/{door.code}/"


@login_required
@require_GET
def doors(request, community, event):
    event = access.event_for_organiser(user=request.user, community_slug=community, event_slug=event)
    cards = []
    for overview in door_stats.doors_overview(event=event):
        link = door_link(overview.door)
        label = _("QR code of the link to %(door)s") % {"door": overview.door.name}
        cards.append({"overview": overview, "door": overview.door, "link": link, "qr": qr_svg(link, label=label)})
    return render(
        request,
        "checkin/manage/doors.html",
        {"community": event.community, "event": event, "tab": "events", "cards": cards},
    )


@login_required
@require_http_methods(GET_POST)
def door_create(request, community, event):
    event = access.event_for_organiser(user=request.user, community_slug=community, event_slug=event)
    form = DoorForm(request.POST if request.method == "POST" else None, event=event)
    if request.method == "POST" and form.is_valid():
        try:
            door = door_services.create_door(event=event, **form.cleaned_data)
        except DoorError as error:
            error.show_on(form)
        else:
            messages.success(request, _("Door “%(name)s” added.") % {"name": door.name})
            return redirect(_doors_url(event))
    return render(
        request,
        "checkin/manage/door_form.html",
        {"community": event.community, "event": event, "tab": "events", "form": form},
    )


@login_required
@require_http_methods(GET_POST)
def door_edit(request, community, event, door):
    door = checkin_access.door_for_organiser(
        user=request.user, community_slug=community, event_slug=event, door_id=door
    )
    event = door.event
    form = DoorForm(request.POST if request.method == "POST" else None, event=event, door=door)
    if request.method == "POST" and form.is_valid():
        try:
            door_services.update_door(door=door, **form.cleaned_data)
        except DoorError as error:
            error.show_on(form)
        else:
            messages.success(request, _("Door “%(name)s” saved.") % {"name": door.name})
            return redirect(_doors_url(event))
    return render(
        request,
        "checkin/manage/door_form.html",
        {"community": event.community, "event": event, "tab": "events", "form": form, "door": door},
    )


@login_required
@require_http_methods(GET_POST)
def door_delete(request, community, event, door):
    door = checkin_access.door_for_organiser(
        user=request.user, community_slug=community, event_slug=event, door_id=door
    )
    event = door.event
    if request.method == "GET":
        return confirm_page(
            request,
            title=_("Delete the door “%(name)s”?") % {"name": door.name},
            message=_("Its link and QR code stop working at once."),
            action_label=_("Delete the door"),
            cancel_url=_doors_url(event),
            danger=True,
            context={"community": event.community, "event": event, "tab": "events"},
        )
    try:
        door_services.delete_door(door=door)
    except DoorError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Door “%(name)s” deleted.") % {"name": door.name})
    return redirect(_doors_url(event))


@login_required
@require_POST
def door_move(request, community, event, door):
    door = checkin_access.door_for_organiser(
        user=request.user, community_slug=community, event_slug=event, door_id=door
    )
    try:
        door_services.move_door(door=door, direction=request.POST.get("direction", ""))
    except DoorError as error:
        messages.error(request, error.message)
    return redirect(_doors_url(door.event))


def _stats_context(request, event) -> dict:
    """The stats of the door chosen in `?door=<id>` (an id that is not one of the event's doors: every door)."""
    chosen = request.GET.get("door", "")
    now = timezone.now()
    stats = door_stats.door_stats(
        event=event, door_id=int(chosen) if chosen.isdecimal() and len(chosen) < 10 else None, now=now
    )
    return {
        "community": event.community,
        "event": event,
        "tab": "events",
        "stats": stats,
        "chart": door_stats.arrivals_chart(stats.arrivals),
        "door": stats.door,
        # Poll while the doors may be open: from twelve hours before the start until an hour after the end.
        "polling": event.start - dt.timedelta(hours=12) <= now <= event.end + dt.timedelta(hours=1),
        "poll_seconds": POLL_SECONDS,
        "updated_at": timezone.localtime(now, event.tz),
    }


@login_required
@require_GET
@door_csp
def stats(request, community, event):
    event = access.event_for_organiser(user=request.user, community_slug=community, event_slug=event)
    return render(request, "checkin/manage/stats.html", _stats_context(request, event))


@login_required
@require_GET
@door_csp
def stats_live(request, community, event):
    """The figures alone, which the stats page fetches every few seconds (htmx) and swaps in."""
    event = access.event_for_organiser(user=request.user, community_slug=community, event_slug=event)
    return render(request, "checkin/manage/_stats.html", _stats_context(request, event))
