"""The organiser's attendee list of an event: search, filters, sorting and pages, bulk actions, exports.

The filters live in the address, so a filtered view can be bookmarked and shared; htmx swaps only the results in
place (the address follows), and the page works the same without JavaScript.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from attendees import access, exports
from attendees import selectors_attendees as selectors
from attendees.forms_attendees import AttendeeFilterForm, BulkActionForm, answer_choices, to_query
from attendees.services import bulk
from attendees.services.errors import RegistrationError
from events import pagecache

ROWS_PER_PAGE = 50


def _list_url(event, query: str = "") -> str:
    url = reverse("attendees_list:attendees", kwargs={"community": event.community.slug, "event": event.slug})
    return f"{url}?{query}" if query else url


class _Choices:
    """What the event offers to filter on (ticket types, tags, questions): three queries, read once a request."""

    def __init__(self, event):
        self.ticket_types = selectors.ticket_types(event=event)
        self.tags = selectors.tags(event=event)
        self.questions = selectors.questions(event=event)


def _filters(request, event, choices: _Choices, data=None):
    """The filters from the address (or `data`); values that do not fit are dropped, with a message."""
    form = AttendeeFilterForm(
        request.GET if data is None else data,
        ticket_types=choices.ticket_types,
        tags=choices.tags,
        questions=choices.questions,
    )
    form.is_valid()
    return form, form.filters()


def _sort_links(filters) -> dict[str, dict]:
    """For each sortable column: the address that sorts by it (the other way when it is already the sort)."""
    links = {}
    current = filters.sort
    for key in selectors.SORTS:
        if current == key:
            sort, direction = f"-{key}", "ascending"
        elif current == f"-{key}":
            sort, direction = key, "descending"
        else:
            sort, direction = key, ""
        links[key] = {"query": to_query(filters, sort=sort), "direction": direction}
    return links


@login_required
@require_GET
def attendees(request, community, event):
    # The access check alone, cheap: the event is read only when the page is rendered, not served from the cache.
    access.event_pk_for_organiser(user=request.user, community_slug=community, event_slug=event)
    return pagecache.cached_member_page(request, render=lambda: _attendees_page(request, community, event))


def _attendees_page(request, community_slug, event_slug):
    event = access.event_for_organiser(user=request.user, community_slug=community_slug, event_slug=event_slug)
    choices = _Choices(event)
    form, filters = _filters(request, event, choices)
    rows = selectors.attendee_rows(event=event, filters=filters)
    if filters.search:
        # A search folds every name it compares: its matches are read once, not once to count them and again for
        # the page (the rows are narrow: kind, id and the sort's column).
        rows = list(rows)
    paginator = Paginator(rows, ROWS_PER_PAGE)
    partial = bool(request.headers.get("HX-Request")) and not request.headers.get("HX-History-Restore-Request")
    counts = None if partial else selectors.counts(event=event, ticket_types=choices.ticket_types)
    if counts is not None and not filters.active:
        paginator.count = counts.rows  # the same rows: no second count over them all
    page = paginator.get_page(request.GET.get("page"))
    page.object_list = selectors.rows_for(event=event, keys=list(page.object_list))
    query = to_query(filters)
    context = {
        "community": event.community,
        "event": event,
        "tab": "events",
        "form": form,
        "filters": filters,
        "ignored": form.ignored(),
        "page": page,
        "query": query,
        "query_without_sort": to_query(filters, sort=selectors.DEFAULT_SORT),
        "sort_links": _sort_links(filters),
        "statuses": list(selectors.STATUSES.items()),
        "ticket_types": choices.ticket_types,
        "tags": choices.tags,
        "answer_choices": answer_choices(choices.questions),
        "actions": bulk.ACTIONS,
        "bulk_form": BulkActionForm(None),
    }
    context["partial"] = partial
    if partial:
        response = render(request, "attendees/attendees/_results.html", context)
        # The address shown: the filters that passed, without the empty fields a form sends.
        page_query = f"page={page.number}" if page.number > 1 else ""
        response["HX-Push-Url"] = _list_url(event, "&".join(part for part in (query, page_query) if part))
    else:
        context["counts"] = counts
        response = render(request, "attendees/attendees/list.html", context)
    # The same address answers with the whole page or only the results: caches must keep them apart.
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@require_POST
def attendees_bulk(request, community, event):
    """First POST: the confirmation (how many rows, what will happen). Second POST (`confirmed`): the action, then
    back to the list with a message saying what it did."""
    event = access.event_for_organiser(user=request.user, community_slug=community, event_slug=event)
    query = request.POST.get("query", "")[:2000]
    back = _list_url(event, query)
    form = BulkActionForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, errors[0])
        return redirect(back)
    data = form.cleaned_data
    ticket_ids, entry_ids, ignored = _target(request, event, data, query)
    if ignored:  # acting on more rows than the organiser saw would be worse than not acting
        messages.error(request, _("Some filters of the list did not fit this event: nothing was changed."))
        return redirect(_list_url(event))
    try:
        current = bulk.plan(event=event, action=data["action"], ticket_ids=ticket_ids, entry_ids=entry_ids)
    except RegistrationError as error:
        messages.error(request, error.message)
        return redirect(back)
    # The whole filtered list is acted on only as counted on the confirmation: if it changed since, ask again.
    confirmed = request.POST.get("confirmed") == "1"
    whole_list = data["scope"] == BulkActionForm.ALL
    changed = confirmed and whole_list and data["expected"] not in (None, current.count)
    uncounted = whole_list and data["expected"] is None
    if not confirmed or changed or uncounted or current.count == 0:
        return _confirm(request, event, data, current, query=query, back=back, changed=changed)
    try:
        outcome = bulk.run(
            event=event,
            action=data["action"],
            ticket_ids=current.tickets,
            entry_ids=current.entries,
            by=request.user,
            tag_name=data.get("tag", ""),
        )
    except RegistrationError as error:
        messages.error(request, error.message)
        return redirect(back)
    _report(request, outcome)
    return redirect(back)


def _target(request, event, data, query: str) -> tuple[list[int], list[int], list[str]]:
    """(ticket ids, waiting-list entry ids, filters that did not fit) of the rows the action is for."""
    if data["scope"] == BulkActionForm.ALL:
        form, filters = _filters(request, event, _Choices(event), data=QueryDict(query))
        return *selectors.row_keys(event=event, filters=filters), form.ignored()
    ticket_ids = [int(key[1:]) for key in data["rows"] if key[0] == selectors.TICKET]
    entry_ids = [int(key[1:]) for key in data["rows"] if key[0] == selectors.WAITING]
    return ticket_ids, entry_ids, []


def _confirm(request, event, data, current: bulk.Plan, *, query, back, changed):
    action = bulk.ACTIONS[data["action"]]
    return render(
        request,
        "attendees/attendees/bulk_confirm.html",
        {
            "community": event.community,
            "event": event,
            "tab": "events",
            "data": data,
            "action": action,
            "plan": current,
            "query": query,
            "cancel_url": back,
            "changed": changed,
            "summary": _plan_summary(data["action"], current, tag=data.get("tag", "")),
        },
    )


def _plan_summary(action: str, plan: bulk.Plan, *, tag: str) -> list[str]:
    """The confirmation's sentences: what will be touched, and what will not."""
    lines = [
        ngettext("You chose %(count)d row.", "You chose %(count)d rows.", plan.rows) % {"count": plan.rows},
    ]
    if action == "tag":
        lines.append(
            ngettext(
                "The tag “%(tag)s” will be put on %(count)d person.",
                "The tag “%(tag)s” will be put on %(count)d people (each once, whatever their tickets).",
                plan.rows,
            )
            % {"tag": tag.strip(), "count": plan.rows}
        )
        return lines
    what = {
        "approve": ngettext(
            "%(count)d registration waiting for approval will be approved; the fan is told by e-mail.",
            "%(count)d registrations waiting for approval will be approved; each fan is told by e-mail.",
            len(plan.orders),
        ),
        "decline": ngettext(
            "%(count)d registration waiting for approval will be declined and its places freed.",
            "%(count)d registrations waiting for approval will be declined and their places freed.",
            len(plan.orders),
        ),
        "cancel": ngettext(
            "%(count)d registration will be cancelled: its tickets stop working and the fan is told by e-mail.",
            "%(count)d registrations will be cancelled: their tickets stop working and each fan is told by e-mail.",
            len(plan.orders),
        ),
        "resend": ngettext(
            "%(count)d confirmed registration will get its tickets again by e-mail (the same QR codes).",
            "%(count)d confirmed registrations will get their tickets again by e-mail (the same QR codes).",
            len(plan.orders),
        ),
    }[action]
    lines.append(what % {"count": len(plan.orders)})
    if plan.tickets_in_orders > len(plan.tickets) and action != "resend":
        lines.append(
            _("A registration acts with all its tickets: %(count)d tickets in all, some of them not in your choice.")
            % {"count": plan.tickets_in_orders}
        )
    if plan.refunds:
        lines.append(
            ngettext(
                "%(count)d of them was paid for: it is refunded in full through Stripe.",
                "%(count)d of them were paid for: they are refunded in full through Stripe.",
                plan.refunds,
            )
            % {"count": plan.refunds}
        )
    if plan.other_orders:
        lines.append(
            ngettext(
                "%(count)d other registration is left as it is: the action does not apply to its status.",
                "%(count)d other registrations are left as they are: the action does not apply to their status.",
                plan.other_orders,
            )
            % {"count": plan.other_orders}
        )
    if plan.entries:
        lines.append(
            ngettext(
                "%(count)d person on the waiting list is left as they are.",
                "%(count)d people on the waiting list are left as they are.",
                len(plan.entries),
            )
            % {"count": len(plan.entries)}
        )
    return lines


def _report(request, outcome: bulk.Outcome) -> None:
    if outcome.action == "tag":
        text = ngettext(
            "Tag “%(tag)s” put on %(count)d person.", "Tag “%(tag)s” put on %(count)d people.", outcome.done
        ) % {"tag": outcome.tag, "count": outcome.done}
        if outcome.already:
            text += " " + ngettext("%(count)d already had it.", "%(count)d already had it.", outcome.already) % {
                "count": outcome.already
            }
        messages.success(request, text)
        return
    done = {
        "approve": ngettext("%(count)d registration approved.", "%(count)d registrations approved.", outcome.done),
        "decline": ngettext("%(count)d registration declined.", "%(count)d registrations declined.", outcome.done),
        "cancel": ngettext("%(count)d registration cancelled.", "%(count)d registrations cancelled.", outcome.done),
        "resend": ngettext("Tickets sent again for %(count)d registration.",
                           "Tickets sent again for %(count)d registrations.", outcome.done),
    }[outcome.action] % {"count": outcome.done}  # fmt: skip
    if outcome.refunded:
        done += " " + ngettext(
            "%(count)d of them is refunded.", "%(count)d of them are refunded.", outcome.refunded
        ) % {"count": outcome.refunded}
    (messages.success if outcome.done else messages.warning)(request, done)
    if outcome.refused:
        messages.error(
            request,
            ngettext(
                "%(count)d registration was left as it was: %(reasons)s",
                "%(count)d registrations were left as they were: %(reasons)s",
                outcome.refused,
            )
            % {"count": outcome.refused, "reasons": " ".join(outcome.refusals)},
        )


@login_required
@require_GET
def attendees_export(request, community, event):
    event = access.event_for_organiser(user=request.user, community_slug=community, event_slug=event)
    choices = _Choices(event)
    _form, filters = _filters(request, event, choices)
    return exports.csv_response(event=event, filters=filters, questions=choices.questions)


@login_required
@require_GET
def door_list(request, community, event):
    event = access.event_for_organiser(user=request.user, community_slug=community, event_slug=event)
    choices = _Choices(event)
    form, filters = _filters(request, event, choices)
    return render(
        request,
        "attendees/attendees/door_list.html",
        {
            "community": event.community,
            "event": event,
            "ignored": form.ignored(),
            "list_url": _list_url(event, to_query(filters)),
            **exports.door_list(event=event, filters=filters),
        },
    )
