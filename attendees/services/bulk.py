"""Bulk actions of the attendee list: one action on many rows, built on the services that act on one.

A row is a ticket or a waiting-list entry, but approving, declining, cancelling and resending act on the order a
ticket belongs to, with every ticket in it: the plan says how many rows and how many registrations an action
would touch, and the run says what it did. Each registration goes through its own service call (and its own
transaction), so one that changed meanwhile is refused and counted without stopping the others.

The caller has checked that `by` organises the event's community (attendees.access); `by` goes to the log.
"""

import logging
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from attendees.models import Order, Ticket, WaitingListEntry
from attendees.services import approval, fans
from attendees.services.errors import RegistrationError
from events.models import Event
from events.services.errors import DomainError

logger = logging.getLogger(__name__)

TAG_NAME_MAX_LENGTH = fans.TAG_MAX_LENGTH
# Each registration costs a few queries and e-mails; more than this in one request would outlast the browser's
# patience, so the organiser is asked to narrow the list instead.
MAX_REGISTRATIONS = 1000


@dataclass(frozen=True)
class Action:
    label: str
    statuses: frozenset[str]  # the order statuses it applies to; empty: it applies to people (tags)
    danger: bool = False


ACTIONS = {
    "approve": Action(_("Approve"), frozenset({Order.Status.PENDING_APPROVAL})),
    "decline": Action(_("Decline"), frozenset({Order.Status.PENDING_APPROVAL}), danger=True),
    "cancel": Action(_("Cancel (refund where paid)"), frozenset(Order.HOLDING), danger=True),
    "resend": Action(_("Resend the tickets"), frozenset({Order.Status.CONFIRMED})),
    "tag": Action(_("Add a tag"), frozenset()),
}


def _refundable(order: Order) -> bool:
    return order.status == Order.Status.CONFIRMED and order.is_paid and bool(order.stripe_payment_intent_id)


@dataclass
class Plan:
    """What an action would touch: the confirmation page's figures."""

    action: str
    rows: int
    tickets: list[int]
    entries: list[int]
    orders: list[Order] = field(default_factory=list)  # the registrations it applies to
    other_orders: int = 0  # registrations of the rows it does not apply to (already cancelled, say)
    refunds: int = 0  # of `orders`, those paid for, which a cancellation refunds
    tickets_in_orders: int = 0  # every ticket of `orders`, the rows' and their companions'

    @property
    def count(self) -> int:
        """How many things the action would change: registrations, or people for a tag."""
        return self.rows if self.action == "tag" else len(self.orders)


def _chunked(ids, read) -> list:
    """read(chunk) for each slice of `ids`, results joined: keeps each IN (...) under the databases' limits."""
    ids = sorted(set(ids))
    found = []
    for start in range(0, len(ids), fans.CHUNK):
        found.extend(read(ids[start : start + fans.CHUNK]))
    return found


def plan(*, event: Event, action: str, ticket_ids: list[int], entry_ids: list[int]) -> Plan:
    """Check the rows against the event and count what `action` would touch (three queries per 500 rows)."""
    if action not in ACTIONS:
        raise RegistrationError("unknown_action", _("Choose one of the actions in the list."))
    tickets = _chunked(
        ticket_ids,
        lambda chunk: Ticket.objects.filter(order__event=event, pk__in=chunk).values_list("pk", "order_id"),
    )
    entries = _chunked(
        entry_ids,
        lambda chunk: WaitingListEntry.objects.filter(
            event=event, pk__in=chunk, status__in=WaitingListEntry.ACTIVE
        ).values_list("pk", flat=True),
    )
    result = Plan(action=action, rows=len(tickets) + len(entries), tickets=[t for t, _o in tickets], entries=entries)
    if action == "tag" or not tickets:
        return result
    order_ids = {order_id for _t, order_id in tickets}
    orders = _chunked(order_ids, lambda chunk: Order.objects.filter(pk__in=chunk))
    orders.sort(key=lambda order: (order.created_at, order.pk))
    statuses = ACTIONS[action].statuses
    result.orders = [order for order in orders if order.status in statuses]
    result.other_orders = len(orders) - len(result.orders)
    if action == "cancel":
        result.refunds = sum(1 for order in result.orders if _refundable(order))
    if result.orders:
        result.tickets_in_orders = sum(
            _chunked([o.pk for o in result.orders], lambda chunk: [Ticket.objects.filter(order__in=chunk).count()])
        )
    return result


@dataclass
class Outcome:
    action: str
    done: int = 0
    refunded: int = 0  # of `done`, cancellations refunded
    refused: int = 0
    refusals: list[str] = field(default_factory=list)  # the first few reasons, for the message
    tag: str = ""
    already: int = 0  # people who had the tag


def run(*, event: Event, action: str, ticket_ids: list[int], entry_ids: list[int], by, tag_name: str = "") -> Outcome:
    """Apply `action` to the rows (checked against the event again): see the module's docstring."""
    current = plan(event=event, action=action, ticket_ids=ticket_ids, entry_ids=entry_ids)
    if action == "tag":
        return _tag(event=event, plan=current, tag_name=tag_name, by=by)
    if len(current.orders) > MAX_REGISTRATIONS:
        raise RegistrationError(
            "too_many",
            _("This would act on %(count)d registrations; at most %(max)d at a time. Narrow the list with the "
              "filters and try again.") % {"count": len(current.orders), "max": MAX_REGISTRATIONS},
        )  # fmt: skip
    outcome = Outcome(action=action)
    for order in current.orders:
        try:
            refunded = _act(action, order=order, by=by)
        except RegistrationError as error:
            outcome.refused += 1
            if len(outcome.refusals) < 3 and error.message not in outcome.refusals:
                outcome.refusals.append(error.message)
        else:
            outcome.done += 1
            outcome.refunded += refunded
    logger.info(
        "Bulk %s on event %s by user %s: %d done, %d refused",
        action,
        event.pk,
        getattr(by, "pk", None),
        outcome.done,
        outcome.refused,
    )
    return outcome


def _act(action: str, *, order: Order, by) -> bool:
    """Run one registration's service; True when a cancellation was refunded."""
    if action == "approve":
        approval.approve_order(order=order, by=by)
    elif action == "decline":
        approval.decline_order(order=order, by=by)
    elif action == "resend":
        approval.resend_tickets(order=order, by=by)
    elif _refundable(order):
        approval.refund_registration(order=order, by=by)
        return True
    else:
        approval.cancel_registration(order=order, by=by)
    return False


def _tag(*, event: Event, plan: Plan, tag_name: str, by) -> Outcome:
    """Tag the people of the rows: each ticket's holder and each person waiting, as the community's fans (linked
    first where the linking task has not run yet)."""
    try:
        name = fans.clean_tag_name(tag_name)
    except DomainError as error:
        raise RegistrationError(error.code, error.message, field="tag") from None
    unlinked = _chunked(
        plan.tickets,
        lambda chunk: Ticket.objects.filter(pk__in=chunk, fan__isnull=True).values_list("order_id", flat=True),
    )
    if unlinked:
        fans.sync_orders(order_ids=set(unlinked))
    fan_ids = set(
        _chunked(
            plan.tickets,
            lambda chunk: Ticket.objects.filter(pk__in=chunk, fan__isnull=False).values_list("fan_id", flat=True),
        )
    )
    if plan.entries:
        fan_ids |= fans.sync_waiting_entries(entry_ids=plan.entries)
    tagging = fans.tag_fans(community=event.community, fan_ids=fan_ids, tag_name=name, by=by)
    return Outcome(action="tag", done=tagging.tagged, already=tagging.already, tag=tagging.tag.name)
