"""The people pages: a community's people and each fan's page for its organisers, and a fan's own data (download,
erasure) from their account.

Each view checks access (attendees.access_fans), parses the input, calls one service or selector, and renders or
redirects; a refusal comes back as a message and changes nothing.
"""

import contextlib
import csv
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from attendees import access_fans, selectors_fans
from attendees.exports import BOM, neutralise
from attendees.forms_fans import FlagForm, NoteForm, PeopleFilterForm, TagForm
from attendees.models import Fan
from attendees.services import fans as fan_services
from events import pagecache
from events.confirm import confirm_page

GET_POST = ["GET", "POST"]
PEOPLE_PER_PAGE = 50


def _fan_url(fan: Fan) -> str:
    return reverse("fans:fan", kwargs={"community": fan.community.slug, "fan": fan.pk})


@login_required
@require_GET
def people(request, community):
    community = access_fans.community_for_organiser(user=request.user, community_slug=community)
    return pagecache.cached_member_page(request, render=lambda: _people_page(request, community))


def _people_page(request, community):
    tags = selectors_fans.tags_of(community=community)
    form = PeopleFilterForm(request.GET, tags=tags)
    chosen = form.cleaned()
    fans = selectors_fans.people(
        community=community, query=chosen["q"], sort=chosen["sort"], show=chosen["show"], tag_id=chosen["tag"]
    )
    page = Paginator(fans, PEOPLE_PER_PAGE).get_page(request.GET.get("page"))
    kept = {k: v for k, v in chosen.items() if v not in ("", None) and not (k == "sort" and v == "last_seen")}
    return render(
        request,
        "attendees/fans/people.html",
        {
            "community": community,
            "tab": "people",
            "form": form,
            "chosen": chosen,
            "page": page,
            "tags": tags,
            "filtered": bool(chosen["q"] or chosen["show"] or chosen["tag"]),
            "query_string": urlencode(kept),
            "sort_links": [
                (key, label, urlencode({**kept, "sort": key})) for key, (label, _o) in selectors_fans.SORTS.items()
            ],
            "regular_min": fan_services.REGULAR_MIN_EVENTS,
        },
    )


def _fan_page(request, fan, *, note_form=None, tag_form=None, flag_form=None, status=200):
    return render(
        request,
        "attendees/fans/fan.html",
        {
            "community": fan.community,
            "tab": "people",
            "subpage": True,
            "fan": fan,
            "fan_tags": list(fan.tags.order_by("name")),
            "timeline": selectors_fans.timeline(fan=fan),
            "note_form": note_form or NoteForm(initial={"note": fan.note}),
            "tag_form": tag_form or TagForm(),
            "flag_form": flag_form or FlagForm(),
            "tags": selectors_fans.tags_of(community=fan.community),
        },
        status=status,
    )


@login_required
@require_GET
def fan(request, community, fan):
    fan = access_fans.fan_for_organiser(user=request.user, community_slug=community, fan_id=fan)
    return pagecache.cached_member_page(request, render=lambda: _fan_page(request, fan))


def _form_refused(request, fan, form, error: fan_services.FanError, form_name: str):
    error.show_on(form)
    return _fan_page(request, fan, status=400, **{form_name: form})


@login_required
@require_POST
def fan_note(request, community, fan):
    fan = access_fans.fan_for_organiser(user=request.user, community_slug=community, fan_id=fan)
    form = NoteForm(request.POST)
    if not form.is_valid():
        return _fan_page(request, fan, note_form=form, status=400)
    try:
        fan_services.set_note(fan=fan, note=form.cleaned_data["note"], by=request.user)
    except fan_services.FanError as error:
        return _form_refused(request, fan, form, error, "note_form")
    messages.success(request, _("Note saved."))
    return redirect(_fan_url(fan))


@login_required
@require_POST
def fan_tag_add(request, community, fan):
    fan = access_fans.fan_for_organiser(user=request.user, community_slug=community, fan_id=fan)
    form = TagForm(request.POST)
    if not form.is_valid():
        return _fan_page(request, fan, tag_form=form, status=400)
    if fan.erased_at is not None:
        messages.error(request, _("This person's data was erased: there is nothing left to change."))
        return redirect(_fan_url(fan))
    try:
        done = fan_services.tag_fans(community=fan.community, fan_ids=[fan.pk], tag_name=form.cleaned_data["tag"],
                                     by=request.user)  # fmt: skip
    except fan_services.FanError as error:
        return _form_refused(request, fan, form, error, "tag_form")
    messages.success(request, _("Tagged “%(tag)s”.") % {"tag": done.tag.name})
    return redirect(_fan_url(fan))


@login_required
@require_POST
def fan_tag_remove(request, community, fan, tag):
    fan = access_fans.fan_for_organiser(user=request.user, community_slug=community, fan_id=fan)
    if fan_services.untag_fan(fan=fan, tag_id=tag, by=request.user):
        messages.success(request, _("Tag removed."))
    return redirect(_fan_url(fan))


@login_required
@require_POST
def fan_flag(request, community, fan):
    fan = access_fans.fan_for_organiser(user=request.user, community_slug=community, fan_id=fan)
    form = FlagForm(request.POST)
    if not form.is_valid():
        return _fan_page(request, fan, flag_form=form, status=400)
    try:
        fan_services.flag_fan(fan=fan, reason=form.cleaned_data["reason"], by=request.user)
    except fan_services.FanError as error:
        return _form_refused(request, fan, form, error, "flag_form")
    messages.success(request, _("Flagged: new registrations from this person are refused, and the door shows it."))
    return redirect(_fan_url(fan))


@login_required
@require_POST
def fan_unflag(request, community, fan):
    fan = access_fans.fan_for_organiser(user=request.user, community_slug=community, fan_id=fan)
    fan_services.unflag_fan(fan=fan, by=request.user)
    messages.success(request, _("Flag removed: this person can register again."))
    return redirect(_fan_url(fan))


@login_required
@require_http_methods(GET_POST)
def fan_erase(request, community, fan):
    fan = access_fans.fan_for_organiser(user=request.user, community_slug=community, fan_id=fan)
    if fan.erased_at is not None:
        messages.info(request, _("This person's data was already erased."))
        return redirect(_fan_url(fan))
    if request.method == "POST":
        try:
            fan_services.erase_fan(fan=fan, by=request.user)
        except fan_services.FanError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Erased: the person is anonymised in every event of the community."))
        return redirect(_fan_url(fan))
    return confirm_page(
        request,
        title=_("Erase %(name)s?") % {"name": fan.name or fan.email},
        message=_(
            "Their name, e-mail address and answers are replaced in every event of %(community)s, and your note, "
            "tags and flag reason are removed. Tickets keep their status and the counts stay right. This cannot be "
            "undone."
        )
        % {"community": fan.community.name},
        action_label=_("Erase for good"),
        cancel_url=_fan_url(fan),
        danger=True,
        context={"community": fan.community, "tab": "people", "subpage": True},
    )


@login_required
@require_GET
def fan_export(request, community, fan, fmt):
    """What the community holds on the person, for an organiser answering their request by e-mail."""
    fan = access_fans.fan_for_organiser(user=request.user, community_slug=community, fan_id=fan)
    return _export([fan], fmt=fmt, name=f"{fan.community.slug}-person-{fan.pk}")


def _export(fans: list[Fan], *, fmt: str, name: str) -> HttpResponse:
    data = selectors_fans.data_of(fans=fans)
    filename = f"{name}-{timezone.now():%Y-%m-%d}.{fmt}"
    if fmt == "json":
        response = HttpResponse(json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json")
    else:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response.write(BOM)  # spreadsheet programs read UTF-8 only after a byte-order mark
        writer = csv.writer(response)
        writer.writerows([[neutralise(cell) for cell in row] for row in selectors_fans.data_rows(data)])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


# A fan's own data ---------------------------------------------------------------------------------------------


@login_required
@require_GET
def my_data(request):
    fans = access_fans.fans_of_user(user=request.user)
    return render(request, "attendees/fans/my_data.html", {"fans": fans})


@login_required
@require_GET
def my_data_export(request, community, fmt):
    fans = access_fans.fans_of_user(user=request.user, community_slug=community)
    return _export(fans, fmt=fmt, name=f"{community}-my-data")


@login_required
@require_http_methods(GET_POST)
def my_data_erase(request, community):
    fans = access_fans.fans_of_user(user=request.user, community_slug=community)
    community = fans[0].community
    if request.method == "POST":
        for fan in fans:
            with contextlib.suppress(fan_services.FanError):  # erased meanwhile (a second click): nothing to do
                fan_services.erase_fan(fan=fan, by=request.user, on_request_of_fan=True)
        messages.success(
            request,
            ngettext(
                "Done: %(community)s no longer holds your name or e-mail address.",
                "Done: %(community)s no longer holds your names or e-mail addresses.",
                len(fans),
            )
            % {"community": community.name},
        )
        return redirect("fans:my_data")
    return confirm_page(
        request,
        title=_("Erase your data from %(community)s?") % {"community": community.name},
        message=_(
            "Your name, e-mail address and answers are removed from every event of %(community)s, for good. "
            "Tickets you hold for events to come stay valid but no longer show your name; e-mails about them "
            "stop. This cannot be undone."
        )
        % {"community": community.name},
        action_label=_("Erase my data"),
        cancel_url=reverse("fans:my_data"),
        danger=True,
    )
