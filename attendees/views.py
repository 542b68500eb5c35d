"""Registration endpoints: the fan pages (register, order and tickets, my tickets, waiting list) and the Stripe
webhook."""

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from attendees import selectors, selectors_fan
from attendees.forms import RegistrationForm, WaitingListForm, max_per_order
from attendees.models import Order, WaitingListEntry
from attendees.qr import qr_svg
from attendees.services import RegistrationError, cancel_order, join_waiting_list, leave_waiting_list, place_order
from attendees.services.orders import cancellation_deadline
from attendees.services.payments import InvalidWebhook, StripeUnavailable, handle_stripe_webhook
from attendees.services.questions import questions_for
from events import calendar, pagecache
from events import selectors as event_selectors
from events.models import Event

logger = logging.getLogger(__name__)

# The order page polls its status this often while a payment is pending (the fan is paying right now), and
# less often while the organisers decide or an approved fan has yet to pay (hours, maybe days).
POLL_SECONDS = 2
SLOW_POLL_SECONDS = 30
ON_SALE = ("on_sale", "few_left")


def _public_event(community: str, event: str) -> Event:
    """The event at this address unless it is a draft (404 then, as on the event page)."""
    found = event_selectors.event_for_page(community_slug=community, event_slug=event)
    if found is None or found.status == Event.Status.DRAFT:
        raise Http404
    return found


# Registering


@require_http_methods(["GET", "HEAD", "POST"])
def register(request: HttpRequest, community: str, event: str) -> HttpResponse:
    if pagecache.can_share(request):
        # Anonymous visitors: one cheap query finds the closed page ("sold out") already rendered, which is what
        # most of a sale burst's buyers get (reading the whole event for its version instead doubled that page's
        # CPU in the sale bench). The form itself carries a CSRF token, so it is never kept.
        version = event_selectors.event_page_version(community_slug=community, event_slug=event)
        if version is None or version.status == Event.Status.DRAFT:
            raise Http404
        return pagecache.cached_page(
            request,
            version=("register", *version),
            render=lambda: _registration(request, _public_event(community, event)),
        )
    return _registration(request, _public_event(community, event))


@require_http_methods(["GET", "HEAD", "POST"])
def waitinglist_claim(request: HttpRequest, token: str) -> HttpResponse:
    entry = selectors.offer_by_token(token=token)
    if entry is None:
        return _offer_problem(request, None, _("This offer link is not valid. Check that you copied all of it."))
    if entry.status == WaitingListEntry.Status.CLAIMED and entry.order_id:
        return redirect("attendees:order", token=entry.order.access_token)
    if entry.status != WaitingListEntry.Status.OFFERED or entry.offer_expires_at <= timezone.now():
        return _offer_problem(
            request, entry, _("This offer has expired and the places went to the next in line. Sorry!")
        )
    return _registration(request, entry.event, offer=entry)


def _registration_state(event: Event, now) -> tuple:
    """Where registration stands and the ticket types with their availability. An event whose every ticket type
    is sold out is full even when the event itself has room (or no limit of its own)."""
    state = event_selectors.registration_state(event=event, now=now)
    ticket_types = event_selectors.ticket_types_for_page(event=event, now=now)
    on_sale = any(t.availability in ON_SALE for t in ticket_types)
    if state.code == "open" and not on_sale and any(t.availability == "sold_out" for t in ticket_types):
        state = event_selectors.RegistrationState("sold_out")
    return state, ticket_types


def _offer_problem(request: HttpRequest, entry, message: str) -> HttpResponse:
    return render(request, "attendees/offer_invalid.html", {"entry": entry, "message": message}, status=404)


def _registration(request: HttpRequest, event: Event, *, offer: WaitingListEntry | None = None) -> HttpResponse:
    now = timezone.now()
    state, ticket_types = _registration_state(event, now)
    if offer is not None:
        # The offer's places are held for this fan: they count in the event's seats, not against this claim.
        for ticket_type in ticket_types:
            if ticket_type.availability == "sold_out" and ticket_type.quantity_left:
                ticket_type.availability = "on_sale"
    limit = max_per_order(event) if offer is None else offer.offered_quantity
    if offer is None and event.places_left is not None:
        limit = min(limit, event.places_left)
    if ticket_types and not any(t.availability in ON_SALE for t in ticket_types):
        limit = 0
    context = {"event": event, "community": event.community, "state": state, "offer": offer}
    open_for_this_fan = state.code == "open" or (offer is not None and state.code == "sold_out")
    if not open_for_this_fan or limit <= 0:
        response = render(request, "attendees/register_closed.html", context)
        # A shared copy must not outlive the moment registration opens, closes or the event ends.
        return pagecache.expire_at(response, event_selectors.next_page_change(event=event, ticket_types=ticket_types))

    questions = questions_for(event)
    form_kwargs = {"event": event, "ticket_types": ticket_types, "questions": questions, "limit": limit}
    if request.method != "POST":
        form = RegistrationForm(initial=_initial(request, offer), holder_count=1, **form_kwargs)
        return _render_registration(request, form, context)

    holder_count = _posted_ticket_count(request.POST, ticket_types)
    form = RegistrationForm(request.POST, holder_count=holder_count, **form_kwargs)
    # More tickets picked than holder blocks shown (no JS): not an error; show them and ask for the names.
    unshown = _drop_errors_of_unshown_blocks(form, request.POST, holder_count)
    if not form.is_valid():
        return _render_registration(request, form, context, status=400)
    if unshown and form.missing_holders():
        context["info"] = _("Now give the name of each ticket holder, then confirm.")
        return _render_registration(request, form, context)
    try:
        order = place_order(
            event=event,
            quantities=form.quantities(),
            holders=form.holders(),
            buyer_name=form.cleaned_data["buyer_name"],
            buyer_email=form.cleaned_data["buyer_email"],
            user=request.user,
            marketing_consent=form.cleaned_data["marketing_consent"],
            language=get_language(),
            offer_token=offer.offer_token if offer is not None else None,
            answers=form.answers(),
            questions=questions,
        )
    except RegistrationError as exc:
        form.add_error(form.field_for_error(exc.field), exc.message)
        return _render_registration(request, form, context, status=409)
    if order.status == Order.Status.PENDING_PAYMENT and order.stripe_checkout_url:
        return redirect(order.stripe_checkout_url)
    return redirect("attendees:order", token=order.access_token)


def _initial(request: HttpRequest, offer: WaitingListEntry | None) -> dict:
    if offer is not None:
        return {"buyer_name": offer.name, "buyer_email": offer.email}
    user = request.user
    if not user.is_authenticated:
        return {}
    return {"buyer_name": user.get_full_name() or user.first_name, "buyer_email": user.email}


def _posted_ticket_count(data, ticket_types) -> int:
    total = 0
    for ticket_type in ticket_types:
        value = data.get(f"quantity_{ticket_type.pk}", "")
        if isinstance(value, str) and value.isdigit() and len(value) < 4:
            total += int(value)
    return max(total, 1)


def _drop_errors_of_unshown_blocks(form: RegistrationForm, data, holder_count: int) -> bool:
    """Forget the errors of holder blocks the page did not show (their fields were not posted); True if any."""
    unshown = False
    for block in form.holder_blocks[1:holder_count]:
        if f"holder_{block['index']}_name" not in data:
            unshown = True
            for name in block["fields"]:
                form.errors.pop(name, None)
    return unshown


def _render_registration(request: HttpRequest, form: RegistrationForm, context: dict, status: int = 200):
    # Only the blocks shown are rendered (most fans buy one ticket); the script adds others from the prototype.
    blocks = [
        {**block, "bound": [form[name] for name in block["fields"]]}
        for block in form.holder_blocks[: form.holder_count]
    ]
    context = {
        **context,
        "form": form,
        "ticket_rows": [(t, form[name] if name else None) for t, name in form.ticket_rows],
        "buyer_block": blocks[0],
        "holder_blocks": blocks[1:],
        "holder_prototype": form.holder_prototype(),
        "order_questions": [form[name] for name in form.order_question_fields],
        "has_paid_types": any(not t.is_free for t, _name in form.ticket_rows),
    }
    return render(request, "attendees/register.html", context, status=status)


# The order and its tickets


def _order_or_404(token: str) -> Order:
    order = selectors.order_by_token(token=token)
    if order is None:
        raise Http404
    return order


def _order_context(order: Order, *, checkout: str = "") -> dict:
    event = order.event
    now = timezone.now()
    tickets = list(order.tickets.all())
    if order.status == Order.Status.CONFIRMED:
        for number, ticket in enumerate(tickets, start=1):
            label = _("QR code of ticket %(number)d of %(total)d") % {"number": number, "total": len(tickets)}
            ticket.qr = qr_svg(ticket.secret, label=label)
    confirmed = order.status == Order.Status.CONFIRMED
    # Fans cancel a confirmed registration until the cut-off (cancel_order refuses later); an unpaid or
    # unapproved one at any time before the event.
    deadline = cancellation_deadline(event)
    cancel_open = order.holds_seats and not event.is_past and not event.is_cancelled
    if confirmed and now >= deadline:
        cancel_open = False
    # Approval-required events never hold an order for payment except after approval.
    approved_to_pay = order.status == Order.Status.PENDING_PAYMENT and event.approval_required
    polling = order.status in (Order.Status.PENDING_PAYMENT, Order.Status.PENDING_APPROVAL)
    paying_now = order.status == Order.Status.PENDING_PAYMENT and (checkout or not approved_to_pay)
    return {
        "order": order,
        "event": event,
        "community": event.community,
        "tickets": tickets,
        "checkout": checkout,
        "polling": polling,
        "poll_seconds": POLL_SECONDS if paying_now else SLOW_POLL_SECONDS,
        "can_cancel": cancel_open,
        "cancel_until": deadline if confirmed and cancel_open else None,
        "cancel_closed_at": deadline if confirmed and not cancel_open and not event.is_past else None,
        "approved_to_pay": approved_to_pay,
        "google_calendar_url": calendar.google_calendar_url(event=event),
    }


def _checkout_param(request: HttpRequest) -> str:
    # Only the two values Stripe's return addresses carry: anything else is ignored.
    value = request.GET.get("checkout", "")
    return value if value in ("success", "cancelled") else ""


@require_safe
def order(request: HttpRequest, token: str) -> HttpResponse:
    found = _order_or_404(token)
    context = _order_context(found, checkout=_checkout_param(request))
    response = render(request, "attendees/order.html", context)
    # The link is the key to the tickets: keep it out of shared caches and of other sites' Referer headers.
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "same-origin"
    return response


@require_safe
def order_status(request: HttpRequest, token: str) -> HttpResponse:
    """The status block the order page polls; once the order is settled, the whole page reloads (tickets)."""
    found = _order_or_404(token)
    context = _order_context(found, checkout=_checkout_param(request))
    response = render(request, "attendees/_order_status.html", context)
    if not context["polling"]:
        response["HX-Refresh"] = "true"
    response["Cache-Control"] = "private, no-store"
    return response


@require_http_methods(["GET", "HEAD", "POST"])
def order_cancel(request: HttpRequest, token: str) -> HttpResponse:
    found = _order_or_404(token)
    if request.method != "POST":
        return render(request, "attendees/order_cancel.html", _order_context(found))
    try:
        cancelled = cancel_order(order=found)
    except RegistrationError as exc:
        messages.error(request, exc.message)
        return redirect("attendees:order", token=found.access_token)
    if cancelled.status == Order.Status.REFUNDED:
        messages.success(request, _("Your registration is cancelled. Your payment will be refunded in full."))
    else:
        messages.success(request, _("Your registration is cancelled. Your places went back to the pool."))
    return redirect("attendees:order", token=found.access_token)


@login_required
@require_safe
def my_tickets(request: HttpRequest) -> HttpResponse:
    upcoming, past = selectors_fan.orders_of_user(user=request.user, now=timezone.now())
    return render(request, "attendees/my_tickets.html", {"upcoming": upcoming, "past": past})


# The waiting list


@require_http_methods(["GET", "HEAD", "POST"])
def waitinglist_join(request: HttpRequest, community: str, event: str) -> HttpResponse:
    found = _public_event(community, event)
    state, _types = _registration_state(found, timezone.now())
    context = {"event": found, "community": found.community, "state": state}
    if state.code not in ("open", "sold_out"):
        return render(request, "attendees/register_closed.html", context)
    if not found.waiting_list_enabled:
        # Never offered for this event: say how registration stands instead, and change nothing on a post.
        context["no_waiting_list"] = True
        status = 409 if request.method == "POST" else 200
        return render(request, "attendees/register_closed.html", context, status=status)
    limit = max_per_order(found)
    if request.method != "POST":
        user = request.user
        initial = {}
        if user.is_authenticated:
            initial = {"name": user.get_full_name() or user.first_name, "email": user.email}
        context["form"] = WaitingListForm(initial=initial, limit=limit)
        return render(request, "attendees/waitinglist_join.html", context)
    form = WaitingListForm(request.POST, limit=limit)
    context["form"] = form
    if not form.is_valid():
        return render(request, "attendees/waitinglist_join.html", context, status=400)
    try:
        entry = join_waiting_list(
            event=found,
            name=form.cleaned_data["name"],
            email=form.cleaned_data["email"],
            quantity=form.cleaned_data["quantity"],
            user=request.user,
            language=get_language(),
        )
    except RegistrationError as exc:
        exc.show_on(form)
        if exc.code == "places_available":
            context["register_url"] = reverse("attendees:register", kwargs={"community": community, "event": event})
        return render(request, "attendees/waitinglist_join.html", context, status=409)
    return redirect("attendees:waitinglist_entry", token=entry.access_token)


@require_safe
def waitinglist_entry(request: HttpRequest, token: str) -> HttpResponse:
    """Where a fan on the list stands: the confirmation after joining, and the page behind the e-mails' link."""
    entry = selectors.waiting_entry_by_token(token=token)
    if entry is None:
        raise Http404
    response = render(request, "attendees/waitinglist_entry.html", {"entry": entry, "event": entry.event})
    response["Cache-Control"] = "private, no-store"
    return response


@require_http_methods(["GET", "HEAD", "POST"])
def waitinglist_leave(request: HttpRequest, token: str) -> HttpResponse:
    entry = selectors.waiting_entry_by_token(token=token)
    if entry is None:
        raise Http404
    if request.method != "POST":
        return render(request, "attendees/waitinglist_leave.html", {"entry": entry, "event": entry.event})
    try:
        leave_waiting_list(entry=entry)
    except RegistrationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("You left the waiting list."))
    return redirect("attendees:waitinglist_entry", token=entry.access_token)


# Stripe


@csrf_exempt  # Stripe cannot send a CSRF token; the signature on the raw body authenticates the request
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    try:
        outcome = handle_stripe_webhook(payload=request.body, sig_header=request.headers.get("Stripe-Signature"))
    except InvalidWebhook as exc:
        logger.warning("Refused a Stripe webhook: %s", exc)
        return HttpResponse("invalid signature or body", status=400, content_type="text/plain")
    except StripeUnavailable:
        # Not processed: a non-2xx answer makes Stripe deliver the event again later.
        return HttpResponse("try again later", status=503, content_type="text/plain")
    return HttpResponse(outcome, content_type="text/plain")
