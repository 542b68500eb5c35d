"""Organiser pages: each view checks access, parses the form, calls one service, and renders or redirects."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from events import access, selectors_manage, services
from events.confirm import confirm_page
from events.forms import (
    PATTERNS,
    CommunityForm,
    EventForm,
    InvitationForm,
    RepeatDatesForm,
    RepeatPatternForm,
    RoleForm,
    TicketTypeForm,
    VenueForm,
)
from events.models import Event, Membership
from events.services import EventError
from events.services.series import existing_dates

GET_POST = ["GET", "POST"]
SLUG_PLACEHOLDER = "__slug__"


def _event_url(event: Event) -> str:
    return reverse("manage:event", kwargs={"community": event.community.slug, "event": event.slug})


def _slug_prefix(url_name: str, **kwargs) -> str:
    """What comes before the slug in a public address ("/c/"), shown in front of the slug input."""
    return reverse(url_name, kwargs=kwargs).split(SLUG_PLACEHOLDER, 1)[0]


def _event_slug_prefix(community) -> str:
    return _slug_prefix("events:event", community=community.slug, event=SLUG_PLACEHOLDER)


# Communities


@login_required
def home(request):
    communities = selectors_manage.communities_for_home(user=request.user)
    return render(request, "manage/home.html", {"communities": communities})


@login_required
@require_http_methods(GET_POST)
def community_create(request):
    if request.method == "POST":
        form = CommunityForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                community = services.create_community(user=request.user, **form.service_kwargs())
            except EventError as error:
                error.show_on(form)
            else:
                messages.success(
                    request,
                    _("%(community)s is ready. Add a venue, then create your first event.") % {"community": community},
                )
                return redirect("manage:community", community=community.slug)
    else:
        form = CommunityForm()
    return render(
        request,
        "manage/community_form.html",
        {"form": form, "slug_prefix": _slug_prefix("events:community", community=SLUG_PLACEHOLDER)},
    )


@login_required
def community(request, community):
    community = access.community_for_organiser(user=request.user, slug=community)
    board = selectors_manage.dashboard(community=community)
    return render(request, "manage/community.html", {"community": community, "board": board, "tab": "events"})


@login_required
@require_http_methods(GET_POST)
def community_edit(request, community):
    community = access.community_for_organiser(user=request.user, slug=community)
    if request.method == "POST":
        form = CommunityForm(request.POST, request.FILES, community=community)
        if form.is_valid():
            try:
                services.update_community(community=community, **form.service_kwargs())
            except EventError as error:
                error.show_on(form)
            else:
                messages.success(request, _("Community details saved."))
                return redirect("manage:community", community=community.slug)
    else:
        form = CommunityForm(community=community)
    return render(request, "manage/community_form.html", {"form": form, "community": community, "tab": "settings"})


# Members and invitations


@login_required
@require_http_methods(GET_POST)
def members(request, community):
    community = access.community_for_organiser(user=request.user, slug=community)
    if request.method == "POST":
        form = InvitationForm(request.POST)
        if form.is_valid():
            try:
                invitation = services.invite_member(community=community, invited_by=request.user, **form.cleaned_data)
            except EventError as error:
                error.show_on(form)
            else:
                messages.success(request, _("Invitation sent to %(email)s.") % {"email": invitation.email})
                return redirect("manage:members", community=community.slug)
    else:
        form = InvitationForm()
    memberships = selectors_manage.members(community=community)
    organisers = sum(1 for m in memberships if m.role == Membership.Role.ORGANISER)
    for membership in memberships:
        membership.is_last_organiser = membership.role == Membership.Role.ORGANISER and organisers == 1
        membership.role_form = RoleForm(initial={"role": membership.role}, prefix=f"m{membership.pk}")
    return render(
        request,
        "manage/members.html",
        {
            "community": community,
            "tab": "members",
            "memberships": memberships,
            "invitations": selectors_manage.pending_invitations(community=community),
            "form": form,
        },
    )


@login_required
@require_POST
def member_role(request, community, membership):
    membership = access.membership_for_organiser(user=request.user, community_slug=community, membership_id=membership)
    form = RoleForm(request.POST, prefix=f"m{membership.pk}")
    if not form.is_valid():
        messages.error(request, _("Choose a role from the list."))
    else:
        try:
            updated = services.change_role(membership=membership, role=form.cleaned_data["role"])
        except EventError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("%(person)s is now %(role)s.")
                % {"person": membership.user.email, "role": updated.get_role_display()},
            )
    return redirect("manage:members", community=membership.community.slug)


@login_required
@require_http_methods(GET_POST)
def member_remove(request, community, membership):
    membership = access.membership_for_organiser(user=request.user, community_slug=community, membership_id=membership)
    members_url = reverse("manage:members", kwargs={"community": membership.community.slug})
    if request.method == "GET":
        return confirm_page(
            request,
            title=_("Remove %(person)s?") % {"person": membership.user.email},
            message=_(
                "%(person)s will no longer see this community's organiser or door pages. "
                "You can invite them again later."
            )
            % {"person": membership.user.email},
            action_label=_("Remove from the community"),
            cancel_url=members_url,
            danger=True,
            context={"community": membership.community, "tab": "members"},
        )
    try:
        services.remove_member(membership=membership)
    except EventError as error:
        messages.error(request, error.message)
        return redirect(members_url)
    messages.success(request, _("%(person)s was removed from the community.") % {"person": membership.user.email})
    if membership.user_id == request.user.pk:
        return redirect("manage:home")
    return redirect(members_url)


@login_required
@require_POST
def invitation_revoke(request, community, invitation):
    invitation = access.invitation_for_organiser(user=request.user, community_slug=community, invitation_id=invitation)
    try:
        services.revoke_invitation(invitation=invitation)
    except EventError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The invitation to %(email)s was withdrawn.") % {"email": invitation.email})
    return redirect("manage:members", community=invitation.community.slug)


@login_required
@require_http_methods(GET_POST)
def invitation_accept(request, token):
    invitation = access.invitation_for_token(token=token)
    problem = services.invitation_problem(invitation)
    if problem is not None:
        status = 404 if problem.code == "invitation_unknown" else 410
        return render(request, "manage/invitation_invalid.html", {"problem": problem}, status=status)
    if request.method == "POST":
        try:
            membership = services.accept_invitation(token=token, user=request.user)
        except EventError as error:
            return render(request, "manage/invitation_invalid.html", {"problem": error}, status=410)
        messages.success(
            request,
            _("Welcome to %(community)s! You are %(role)s.")
            % {"community": invitation.community.name, "role": membership.get_role_display()},
        )
        if membership.role == Membership.Role.ORGANISER:
            return redirect("manage:community", community=invitation.community.slug)
        return redirect("manage:home")
    current_role = access.role_in(user=request.user, community=invitation.community)
    return render(
        request,
        "manage/invitation_accept.html",
        {
            "invitation": invitation,
            "community": invitation.community,
            "current_role": Membership.Role(current_role).label if current_role else None,
        },
    )


# Venues


@login_required
def venues(request, community):
    community = access.community_for_organiser(user=request.user, slug=community)
    return render(
        request,
        "manage/venues.html",
        {"community": community, "tab": "venues", "venues": selectors_manage.venues(community=community)},
    )


@login_required
@require_http_methods(GET_POST)
def venue_create(request, community):
    community = access.community_for_organiser(user=request.user, slug=community)
    if request.method == "POST":
        form = VenueForm(request.POST)
        if form.is_valid():
            try:
                venue = services.create_venue(community=community, **form.service_kwargs())
            except EventError as error:
                error.show_on(form)
            else:
                messages.success(request, _("Venue “%(venue)s” added.") % {"venue": venue.name})
                # Coming from the event form's "add a venue" link: go back there.
                target = "manage:event_create" if request.GET.get("next") == "event" else "manage:venues"
                return redirect(target, community=community.slug)
    else:
        form = VenueForm()
    return render(request, "manage/venue_form.html", {"community": community, "tab": "venues", "form": form})


@login_required
@require_http_methods(GET_POST)
def venue_edit(request, community, venue):
    venue = access.venue_for_organiser(user=request.user, community_slug=community, venue_id=venue)
    if request.method == "POST":
        form = VenueForm(request.POST, venue=venue)
        if form.is_valid():
            try:
                services.update_venue(venue=venue, **form.service_kwargs())
            except EventError as error:
                error.show_on(form)
            else:
                messages.success(request, _("Venue “%(venue)s” saved.") % {"venue": form.cleaned_data["name"]})
                return redirect("manage:venues", community=venue.community.slug)
    else:
        form = VenueForm(venue=venue)
    return render(
        request,
        "manage/venue_form.html",
        {"community": venue.community, "tab": "venues", "form": form, "venue": venue},
    )


@login_required
@require_http_methods(GET_POST)
def venue_delete(request, community, venue):
    venue = access.venue_for_organiser(user=request.user, community_slug=community, venue_id=venue)
    venues_url = reverse("manage:venues", kwargs={"community": venue.community.slug})
    if request.method == "GET":
        return confirm_page(
            request,
            title=_("Delete the venue “%(venue)s”?") % {"venue": venue.name},
            message=_(
                "Past events held here will no longer show a place. A venue that upcoming events use cannot be deleted."
            ),
            action_label=_("Delete the venue"),
            cancel_url=venues_url,
            danger=True,
            context={"community": venue.community, "tab": "venues"},
        )
    try:
        services.delete_venue(venue=venue)
    except EventError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Venue “%(venue)s” deleted.") % {"venue": venue.name})
    return redirect(venues_url)


# Events


@login_required
@require_http_methods(GET_POST)
def event_create(request, community):
    community = access.community_for_organiser(user=request.user, slug=community)
    if request.method == "POST":
        form = EventForm(request.POST, request.FILES, community=community)
        if form.is_valid():
            try:
                event = services.create_event(community=community, **form.service_kwargs())
            except EventError as error:
                error.show_on(form)
            else:
                messages.success(
                    request, _("Draft saved. Add ticket types if you sell or count tickets, then publish it.")
                )
                return redirect(_event_url(event))
    else:
        form = EventForm(community=community)
    return render(
        request,
        "manage/event_form.html",
        {"community": community, "tab": "events", "form": form, "slug_prefix": _event_slug_prefix(community)},
    )


@login_required
def event(request, community, event):
    event = access.event_for_organiser(user=request.user, community_slug=community, event_slug=event)
    ticket_types = selectors_manage.ticket_types(event=event)
    total = selectors_manage.tickets_total(ticket_types)
    return render(
        request,
        "manage/event.html",
        {
            "community": event.community,
            "tab": "events",
            "event": event,
            "ticket_types": ticket_types,
            "tickets_total": total,
            "tickets_sold": sum(t.quantity_sold for t in ticket_types),
            "over_capacity": event.capacity is not None and total > event.capacity,
            "occurrences": selectors_manage.series_occurrences(event=event),
            "can_delete": event.status == Event.Status.DRAFT and event.published_at is None,
            "can_unpublish": event.status == Event.Status.PUBLISHED and event.seats_taken == 0,
        },
    )


@login_required
@require_http_methods(GET_POST)
def event_edit(request, community, event):
    event = access.event_for_organiser(user=request.user, community_slug=community, event_slug=event)
    if event.status == Event.Status.CANCELLED:
        messages.error(request, _("This event was cancelled and can no longer be changed."))
        return redirect(_event_url(event))
    if request.method == "POST":
        form = EventForm(request.POST, request.FILES, community=event.community, event=event)
        if form.is_valid():
            try:
                updated = services.update_event(event=event, **form.service_kwargs())
            except EventError as error:
                error.show_on(form)
            else:
                messages.success(request, _("Changes saved."))
                updated.community = event.community
                return redirect(_event_url(updated))
    else:
        form = EventForm(community=event.community, event=event)
    return render(
        request,
        "manage/event_form.html",
        {
            "community": event.community,
            "tab": "events",
            "form": form,
            "event": event,
            "slug_prefix": _event_slug_prefix(event.community),
        },
    )


def _status_action(request, community, event, *, service, confirm, done):
    """GET asks for confirmation, POST runs the service; refusals come back as a message on the event page."""
    event = access.event_for_organiser(user=request.user, community_slug=community, event_slug=event)
    if request.method == "GET":
        return confirm_page(
            request,
            cancel_url=_event_url(event),
            context={"community": event.community, "tab": "events", "event": event},
            **confirm(event),
        )
    try:
        service(event=event)
    except EventError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done % {"event": event.title})
    return redirect(_event_url(event))


@login_required
@require_http_methods(GET_POST)
def event_publish(request, community, event):
    return _status_action(
        request,
        community,
        event,
        service=services.publish_event,
        confirm=lambda e: {
            "title": _("Publish “%(event)s”?") % {"event": e.title},
            "message": _("It will appear on the community's page and in its calendar feed, and registration opens.")
            if e.visibility == Event.Visibility.PUBLIC
            else _("People with the link can see it and register; it stays out of lists and calendar feeds."),
            "action_label": _("Publish"),
        },
        done=_("“%(event)s” is published."),
    )


@login_required
@require_http_methods(GET_POST)
def event_unpublish(request, community, event):
    return _status_action(
        request,
        community,
        event,
        service=services.unpublish_event,
        confirm=lambda e: {
            "title": _("Take “%(event)s” back to draft?") % {"event": e.title},
            "message": _("It disappears from the public pages and calendars until you publish it again."),
            "action_label": _("Back to draft"),
        },
        done=_("“%(event)s” is a draft again."),
    )


@login_required
@require_http_methods(GET_POST)
def event_cancel(request, community, event):
    return _status_action(
        request,
        community,
        event,
        service=services.cancel_event,
        confirm=lambda e: {
            "title": _("Cancel “%(event)s”?") % {"event": e.title},
            "message": ngettext(
                "The event stays on its page, marked as cancelled, and registration closes. "
                "%(count)d person has a place. This cannot be undone.",
                "The event stays on its page, marked as cancelled, and registration closes. "
                "%(count)d people have a place. This cannot be undone.",
                e.seats_taken,
            )
            % {"count": e.seats_taken},
            "action_label": _("Cancel the event"),
            "danger": True,
        },
        done=_("“%(event)s” is cancelled."),
    )


@login_required
@require_http_methods(GET_POST)
def event_delete(request, community, event):
    event = access.event_for_organiser(user=request.user, community_slug=community, event_slug=event)
    if request.method == "GET":
        return confirm_page(
            request,
            title=_("Delete the draft “%(event)s”?") % {"event": event.title},
            message=_("The draft and its ticket types are deleted. This cannot be undone."),
            action_label=_("Delete the draft"),
            cancel_url=_event_url(event),
            danger=True,
            context={"community": event.community, "tab": "events", "event": event},
        )
    try:
        services.delete_event(event=event)
    except EventError as error:
        messages.error(request, error.message)
        return redirect(_event_url(event))
    messages.success(request, _("The draft “%(event)s” was deleted.") % {"event": event.title})
    return redirect("manage:community", community=event.community.slug)


@login_required
@require_http_methods(GET_POST)
def event_repeat(request, community, event):
    event = access.event_for_organiser(user=request.user, community_slug=community, event_slug=event)
    data = request.POST if request.method == "POST" else request.GET
    pattern_form = RepeatPatternForm(data if "pattern" in data else None, event=event)
    pattern = pattern_form.service_kwargs() if pattern_form.is_valid() else _default_pattern(pattern_form)
    proposals = services.propose_series_dates(event=event, **pattern)
    existing = existing_dates(event)
    dates_form = RepeatDatesForm(
        request.POST if request.method == "POST" else None, proposals=proposals, existing=existing
    )
    if request.method == "POST" and pattern_form.is_valid() and dates_form.is_valid():
        try:
            created = services.create_series(
                event=event,
                frequency=pattern["frequency"],
                dates=dates_form.cleaned_data["dates"],
                publish=dates_form.cleaned_data["publish"],
            )
        except EventError as error:
            error.show_on(dates_form)
        else:
            if created:
                messages.success(
                    request,
                    ngettext("%(count)d event created.", "%(count)d events created.", len(created))
                    % {"count": len(created)},
                )
            else:
                messages.info(request, _("Nothing to create: each of these dates already has an event."))
            return redirect(_event_url(event))
    return render(
        request,
        "manage/event_repeat.html",
        {
            "community": event.community,
            "tab": "events",
            "event": event,
            "pattern_form": pattern_form,
            "dates_form": dates_form,
            "existing": sorted(d for d in existing if d in set(proposals)),
        },
    )


def _default_pattern(form: RepeatPatternForm) -> dict:
    frequency, interval, monthly_by = PATTERNS[form.fields["pattern"].initial]
    return {"frequency": frequency, "interval": interval, "monthly_by": monthly_by, "count": 6}


# Ticket types


@login_required
@require_http_methods(GET_POST)
def ticket_type_create(request, community, event):
    event = access.event_for_organiser(user=request.user, community_slug=community, event_slug=event)
    if event.status == Event.Status.CANCELLED:
        messages.error(request, _("This event was cancelled: its tickets can no longer change."))
        return redirect(_event_url(event))
    if request.method == "POST":
        form = TicketTypeForm(request.POST, event=event)
        if form.is_valid():
            try:
                ticket_type = services.create_ticket_type(event=event, **form.service_kwargs())
            except EventError as error:
                error.show_on(form)
            else:
                messages.success(request, _("Ticket type “%(name)s” added.") % {"name": ticket_type.name})
                return redirect(_event_url(event))
    else:
        form = TicketTypeForm(event=event)
    return render(
        request,
        "manage/ticket_type_form.html",
        {"community": event.community, "tab": "events", "event": event, "form": form},
    )


@login_required
@require_http_methods(GET_POST)
def ticket_type_edit(request, community, event, ticket_type):
    ticket_type = access.ticket_type_for_organiser(
        user=request.user, community_slug=community, event_slug=event, ticket_type_id=ticket_type
    )
    event = ticket_type.event
    if request.method == "POST":
        form = TicketTypeForm(request.POST, event=event, ticket_type=ticket_type)
        if form.is_valid():
            try:
                services.update_ticket_type(ticket_type=ticket_type, **form.service_kwargs())
            except EventError as error:
                error.show_on(form)
            else:
                messages.success(request, _("Ticket type “%(name)s” saved.") % {"name": form.cleaned_data["name"]})
                return redirect(_event_url(event))
    else:
        form = TicketTypeForm(event=event, ticket_type=ticket_type)
    return render(
        request,
        "manage/ticket_type_form.html",
        {"community": event.community, "tab": "events", "event": event, "form": form, "ticket_type": ticket_type},
    )


@login_required
@require_http_methods(GET_POST)
def ticket_type_delete(request, community, event, ticket_type):
    ticket_type = access.ticket_type_for_organiser(
        user=request.user, community_slug=community, event_slug=event, ticket_type_id=ticket_type
    )
    event = ticket_type.event
    if request.method == "GET":
        return confirm_page(
            request,
            title=_("Delete the ticket type “%(name)s”?") % {"name": ticket_type.name},
            message=_("Nobody has bought one yet, so nobody is affected.")
            if not ticket_type.quantity_sold
            else _("Tickets of this type were already sold: it cannot be deleted."),
            action_label=_("Delete the ticket type"),
            cancel_url=_event_url(event),
            danger=True,
            context={"community": event.community, "tab": "events", "event": event},
        )
    try:
        services.delete_ticket_type(ticket_type=ticket_type)
    except EventError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Ticket type “%(name)s” deleted.") % {"name": ticket_type.name})
    return redirect(_event_url(event))


@login_required
@require_POST
def ticket_type_move(request, community, event, ticket_type):
    ticket_type = access.ticket_type_for_organiser(
        user=request.user, community_slug=community, event_slug=event, ticket_type_id=ticket_type
    )
    try:
        services.move_ticket_type(ticket_type=ticket_type, direction=request.POST.get("direction", ""))
    except EventError as error:
        messages.error(request, error.message)
    return redirect(_event_url(ticket_type.event))
