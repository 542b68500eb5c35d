"""Reads for the organiser's registrations page, each costing a fixed number of queries whatever the rows."""

from dataclasses import dataclass

from django.db.models import Count, Prefetch, QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from attendees.models import Answer, Order, Question, Ticket, WaitingListEntry
from events.models import Event, TicketType

CANCELLED_STATUSES = (Order.Status.CANCELLED, Order.Status.REFUNDED, Order.Status.DECLINED, Order.Status.EXPIRED)
WAITING = "waiting"
# The page's status filter: its value in the address -> (order statuses shown, label).
STATUS_FILTERS = {
    Order.Status.PENDING_APPROVAL.value: ((Order.Status.PENDING_APPROVAL,), _("Pending approval")),
    Order.Status.PENDING_PAYMENT.value: ((Order.Status.PENDING_PAYMENT,), _("Pending payment")),
    Order.Status.CONFIRMED.value: ((Order.Status.CONFIRMED,), _("Confirmed")),
    "cancelled": (CANCELLED_STATUSES, _("Cancelled")),
    WAITING: ((), _("Waiting list")),
}


@dataclass(frozen=True)
class Summary:
    confirmed_tickets: int
    confirmed: int  # orders
    pending_approval: int  # orders
    pending_payment: int  # orders
    waiting: int  # people waiting or holding an offer
    cancelled: int  # orders cancelled, refunded, declined or expired
    places_left: int | None  # None: no limit at all
    orders: int

    @property
    def pending(self) -> int:
        return self.pending_approval + self.pending_payment


def summary(*, event: Event) -> Summary:
    """The counts at the top of the page: two queries (three when the event has no capacity of its own)."""
    orders, tickets = {}, {}
    rows = Order.objects.filter(event=event).values("status").annotate(orders=Count("pk", distinct=True))
    for row in rows.annotate(tickets=Count("tickets")).order_by():
        orders[row["status"]], tickets[row["status"]] = row["orders"], row["tickets"]
    waiting = WaitingListEntry.objects.filter(event=event, status__in=WaitingListEntry.ACTIVE).count()
    capacity = event.capacity
    if capacity is None:
        capacity = TicketType.objects.filter(event=event).aggregate(n=Sum("quantity"))["n"]
    return Summary(
        confirmed_tickets=tickets.get(Order.Status.CONFIRMED, 0),
        confirmed=orders.get(Order.Status.CONFIRMED, 0),
        pending_approval=orders.get(Order.Status.PENDING_APPROVAL, 0),
        pending_payment=orders.get(Order.Status.PENDING_PAYMENT, 0),
        waiting=waiting,
        cancelled=sum(orders.get(status, 0) for status in CANCELLED_STATUSES),
        places_left=None if capacity is None else max(capacity - event.seats_taken, 0),
        orders=sum(orders.values()),
    )


def registrations(*, event: Event, status_filter: str = "") -> QuerySet[Order]:
    """The event's orders, newest first, with their tickets and answers (call `with_answers` on the page shown).

    An unknown filter shows every order: the filter comes from the address, where anything can be typed.
    """
    orders = Order.objects.filter(event=event)
    statuses = STATUS_FILTERS.get(status_filter, (None,))[0]
    if statuses:
        orders = orders.filter(status__in=statuses)
    elif statuses is not None:  # the waiting list: no orders
        orders = orders.none()
    return orders.order_by("-created_at", "-pk").prefetch_related(
        Prefetch("tickets", queryset=Ticket.objects.select_related("ticket_type").order_by("pk")),
        Prefetch("answers", queryset=Answer.objects.select_related("question").order_by(*Answer._meta.ordering)),
    )


def with_answers(orders) -> list[Order]:
    """Sort each order's answers onto it (`order_answers`) and its tickets (`ticket.holder_answers`), in memory."""
    orders = list(orders)
    for order in orders:
        by_ticket = {}
        for answer in order.answers.all():
            answer.shown = _shown(answer)
            by_ticket.setdefault(answer.ticket_id, []).append(answer)
        order.order_answers = by_ticket.get(None, [])
        for ticket in order.tickets.all():
            ticket.holder_answers = by_ticket.get(ticket.pk, [])
    return orders


def _shown(answer: Answer) -> str:
    if answer.question.kind == Question.Kind.REQUIRED_CHECKBOX:
        return str(_("Yes")) if answer.value else str(_("No"))
    return ", ".join(answer.values)


def waiting_list(*, event: Event) -> list[WaitingListEntry]:
    """Everyone who joined the event's waiting list, in order of joining; the people still waiting get their
    `position` in the line (1 is the next to be offered a place)."""
    entries = list(WaitingListEntry.objects.filter(event=event).order_by("created_at", "pk"))
    position = 0
    for entry in entries:
        if entry.status == WaitingListEntry.Status.WAITING:
            position += 1
            entry.position = position
        else:
            entry.position = None
    return entries


def ticket_types(*, event: Event) -> list[TicketType]:
    return list(TicketType.objects.filter(event=event).order_by("position", "pk"))


def questions(*, event: Event) -> list[Question]:
    """The event's questions in the order fans see them, each with `answer_count`."""
    return list(Question.objects.filter(event=event).annotate(answer_count=Count("answers")).order_by("position", "pk"))
