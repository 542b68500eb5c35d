"""Organiser pages of registration: the event's registrations, the decisions on them, guests added by hand.

Each view checks access (attendees.access), parses the input, calls one service, and renders or redirects; a
refusal comes back as a message and changes nothing.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from attendees import access, selectors_manage
from attendees.forms_manage import AddRegistrationForm, DeclineForm, QuestionForm
from attendees.models import Order
from attendees.services import approval, questions_manage
from attendees.services.errors import RegistrationError
from events.confirm import confirm_page

GET_POST = ["GET", "POST"]
ORDERS_PER_PAGE = 50


def _registrations_url(event, *, order: Order | None = None) -> str:
    url = reverse("attendees_manage:registrations", kwargs={"community": event.community.slug, "event": event.slug})
    return f"{url}#order-{order.pk}" if order is not None else url


def actions_for(order: Order) -> frozenset[str]:
    """What an organiser can do to the order now: the buttons shown, and the actions a GET may ask to confirm."""
    actions = set()
    if order.status == Order.Status.PENDING_APPROVAL:
        actions |= {"approve", "decline"}
    if order.holds_seats:
        actions.add("cancel")
    if order.status == Order.Status.CONFIRMED and order.is_paid and order.stripe_payment_intent_id:
        actions.add("refund")
    if order.status == Order.Status.CONFIRMED:
        actions.add("resend")
    return frozenset(actions)


@login_required
def registrations(request, community, event):
    event = access.event_for_organiser(user=request.user, community_slug=community, event_slug=event)
    status_filter = request.GET.get("status", "")
    if status_filter not in selectors_manage.STATUS_FILTERS:
        status_filter = ""
    show_waiting_list = status_filter in ("", selectors_manage.WAITING)
    page = None
    if status_filter != selectors_manage.WAITING:
        paginator = Paginator(selectors_manage.registrations(event=event, status_filter=status_filter), ORDERS_PER_PAGE)
        page = paginator.get_page(request.GET.get("page"))
        page.object_list = selectors_manage.with_answers(page.object_list)
        for order in page.object_list:
            order.actions = actions_for(order)
    return render(
        request,
        "attendees/manage/registrations.html",
        {
            "community": event.community,
            "event": event,
            "tab": "events",
            "summary": selectors_manage.summary(event=event),
            "filters": [(value, label) for value, (_statuses, label) in selectors_manage.STATUS_FILTERS.items()],
            "status_filter": status_filter,
            "page_query": urlencode({"status": status_filter}) if status_filter else "",
            "page": page,
            "waiting_list": selectors_manage.waiting_list(event=event) if show_waiting_list else None,
        },
    )


def _order_action(request, community, event, order, *, action, confirm, run, done, form_class=None):
    """GET asks for confirmation (with an optional form), POST runs the service; both refuse an action that does
    not apply to the order any more, with a message on the registrations page."""
    order = access.order_for_organiser(user=request.user, community_slug=community, event_slug=event, order_id=order)
    back = _registrations_url(order.event, order=order)
    if action not in actions_for(order) and request.method == "GET":
        messages.error(request, confirm(order)["refused"])
        return redirect(back)
    form = None
    if form_class is not None:
        form = form_class(request.POST if request.method == "POST" else None)
    if request.method == "POST" and (form is None or form.is_valid()):
        try:
            run(order, **(form.cleaned_data if form is not None else {}))
        except RegistrationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, done % {"name": order.buyer_name})
        return redirect(back)
    order = selectors_manage.with_answers(selectors_manage.registrations(event=order.event).filter(pk=order.pk))[0]
    details = confirm(order)
    return render(
        request,
        "attendees/manage/order_confirm.html",
        {
            "community": order.event.community,
            "event": order.event,
            "tab": "events",
            "order": order,
            "form": form,
            "cancel_url": back,
            "title": details["title"],
            "message": details["message"],
            "action_label": details["action_label"],
            "danger": details.get("danger", False),
        },
    )


@login_required
@require_http_methods(GET_POST)
def order_approve(request, community, event, order):
    return _order_action(
        request,
        community,
        event,
        order,
        action="approve",
        confirm=lambda o: {
            "title": _("Approve the registration of %(name)s?") % {"name": o.buyer_name},
            "message": _("They get their tickets by e-mail at once.")
            if not o.is_paid
            else _("They get an e-mail with a link to pay; the places stay held for them until the link expires."),
            "action_label": _("Approve"),
            "refused": _("This registration is not waiting for approval."),
        },
        run=lambda o: approval.approve_order(order=o, by=request.user),
        done=_("The registration of %(name)s is approved."),
    )


@login_required
@require_http_methods(GET_POST)
def order_decline(request, community, event, order):
    return _order_action(
        request,
        community,
        event,
        order,
        action="decline",
        confirm=lambda o: {
            "title": _("Decline the registration of %(name)s?") % {"name": o.buyer_name},
            "message": _("They are told by e-mail, with your message if you write one. Their places are freed."),
            "action_label": _("Decline"),
            "danger": True,
            "refused": _("This registration is not waiting for approval."),
        },
        run=lambda o, message: approval.decline_order(order=o, by=request.user, message=message),
        done=_("The registration of %(name)s is declined."),
        form_class=DeclineForm,
    )


@login_required
@require_http_methods(GET_POST)
def order_cancel(request, community, event, order):
    return _order_action(
        request,
        community,
        event,
        order,
        action="cancel",
        confirm=lambda o: {
            "title": _("Cancel the registration of %(name)s?") % {"name": o.buyer_name},
            "message": _(
                "Their tickets stop working and they are told by e-mail. Nothing is refunded: use “Cancel "
                "and refund” for that."
            )
            if "refund" in actions_for(o)
            else _("Their tickets stop working and they are told by e-mail. Their places are freed."),
            "action_label": _("Cancel the registration"),
            "danger": True,
            "refused": _("This registration is already cancelled."),
        },  # fmt: skip
        run=lambda o: approval.cancel_registration(order=o, by=request.user),
        done=_("The registration of %(name)s is cancelled."),
    )


@login_required
@require_http_methods(GET_POST)
def order_refund(request, community, event, order):
    return _order_action(
        request,
        community,
        event,
        order,
        action="refund",
        confirm=lambda o: {
            "title": _("Cancel and refund the registration of %(name)s?") % {"name": o.buyer_name},
            "message": _("Their tickets stop working and the whole payment goes back to them through Stripe."),
            "action_label": _("Cancel and refund"),
            "danger": True,
            "refused": _("Only a paid, confirmed registration can be refunded."),
        },
        run=lambda o: approval.refund_registration(order=o, by=request.user),
        done=_("The registration of %(name)s is cancelled and refunded."),
    )


@login_required
@require_http_methods(GET_POST)
def order_resend(request, community, event, order):
    return _order_action(
        request,
        community,
        event,
        order,
        action="resend",
        confirm=lambda o: {
            "title": _("Send the tickets of %(name)s again?") % {"name": o.buyer_name},
            "message": _("The same tickets (their QR codes do not change) go again to %(email)s.")
            % {"email": o.buyer_email},
            "action_label": _("Send the tickets again"),
            "refused": _("Only a confirmed registration has tickets to send."),
        },
        run=lambda o: approval.resend_tickets(order=o, by=request.user),
        done=_("The tickets of %(name)s are on their way again."),
    )


@login_required
@require_http_methods(GET_POST)
def registration_add(request, community, event):
    event = access.event_for_organiser(user=request.user, community_slug=community, event_slug=event)
    ticket_types = selectors_manage.ticket_types(event=event)
    form = AddRegistrationForm(request.POST if request.method == "POST" else None, ticket_types=ticket_types)
    if request.method == "POST" and form.is_valid():
        try:
            order = approval.add_registration(
                event=event,
                ticket_type_id=form.cleaned_data["ticket_type"],
                name=form.cleaned_data["name"],
                email=form.cleaned_data["email"],
                by=request.user,
            )
        except RegistrationError as error:
            error.show_on(form)
        else:
            messages.success(
                request,
                _("%(name)s is registered; the ticket is on its way to %(email)s.")
                % {"name": order.buyer_name, "email": order.buyer_email},
            )
            return redirect(_registrations_url(event, order=order))
    return render(
        request,
        "attendees/manage/registration_add.html",
        {
            "community": event.community,
            "event": event,
            "tab": "events",
            "form": form,
            "ticket_types": ticket_types,
            "cancel_url": _registrations_url(event),
        },
    )


# Questions


def _questions_url(event) -> str:
    return reverse("attendees_manage:questions", kwargs={"community": event.community.slug, "event": event.slug})


@login_required
def questions(request, community, event):
    event = access.event_for_organiser(user=request.user, community_slug=community, event_slug=event)
    return render(
        request,
        "attendees/manage/questions.html",
        {
            "community": event.community,
            "event": event,
            "tab": "events",
            "questions": selectors_manage.questions(event=event),
        },
    )


@login_required
@require_http_methods(GET_POST)
def question_create(request, community, event):
    event = access.event_for_organiser(user=request.user, community_slug=community, event_slug=event)
    form = QuestionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            question = questions_manage.create_question(event=event, **form.cleaned_data)
        except RegistrationError as error:
            error.show_on(form)
        else:
            messages.success(request, _("Question “%(label)s” added.") % {"label": question.label})
            return redirect(_questions_url(event))
    return render(
        request,
        "attendees/manage/question_form.html",
        {"community": event.community, "event": event, "tab": "events", "form": form},
    )


@login_required
@require_http_methods(GET_POST)
def question_edit(request, community, event, question):
    question = access.question_for_organiser(
        user=request.user, community_slug=community, event_slug=event, question_id=question
    )
    event = question.event
    form = QuestionForm(request.POST if request.method == "POST" else None, question=question)
    if request.method == "POST" and form.is_valid():
        try:
            questions_manage.update_question(question=question, **form.cleaned_data)
        except RegistrationError as error:
            error.show_on(form)
        else:
            messages.success(request, _("Question “%(label)s” saved.") % {"label": question.label})
            return redirect(_questions_url(event))
    return render(
        request,
        "attendees/manage/question_form.html",
        {
            "community": event.community,
            "event": event,
            "tab": "events",
            "form": form,
            "question": question,
            "answer_count": question.answers.count(),
        },
    )


@login_required
@require_http_methods(GET_POST)
def question_delete(request, community, event, question):
    question = access.question_for_organiser(
        user=request.user, community_slug=community, event_slug=event, question_id=question
    )
    event = question.event
    if request.method == "GET":
        answers = question.answers.count()
        return confirm_page(
            request,
            title=_("Delete the question “%(label)s”?") % {"label": question.label},
            message=ngettext(
                "The %(count)d answer already given to it is deleted too.",
                "The %(count)d answers already given to it are deleted too.",
                answers,
            )
            % {"count": answers}
            if answers
            else _("Nobody has answered it yet."),
            action_label=_("Delete the question"),
            cancel_url=_questions_url(event),
            danger=True,
            context={"community": event.community, "event": event, "tab": "events"},
        )
    try:
        questions_manage.delete_question(question=question)
    except RegistrationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Question “%(label)s” deleted.") % {"label": question.label})
    return redirect(_questions_url(event))


@login_required
@require_POST
def question_move(request, community, event, question):
    question = access.question_for_organiser(
        user=request.user, community_slug=community, event_slug=event, question_id=question
    )
    try:
        questions_manage.move_question(question=question, direction=request.POST.get("direction", ""))
    except RegistrationError as error:
        messages.error(request, error.message)
    return redirect(_questions_url(question.event))
