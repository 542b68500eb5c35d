"""Every write that matters in registration: orders, payments, the waiting list (see each module)."""

from attendees.services.errors import RegistrationError
from attendees.services.inventory import recount_event
from attendees.services.orders import (
    cancel_event_orders,
    cancel_order,
    claim_orders_for_user,
    place_order,
    release_expired_holds,
)
from attendees.services.payments import handle_stripe_webhook, refund_order, send_refund
from attendees.services.waitinglist import expire_offers, join_waiting_list, leave_waiting_list, offer_next

__all__ = [
    "RegistrationError",
    "cancel_event_orders",
    "cancel_order",
    "claim_orders_for_user",
    "expire_offers",
    "handle_stripe_webhook",
    "join_waiting_list",
    "leave_waiting_list",
    "offer_next",
    "place_order",
    "recount_event",
    "refund_order",
    "release_expired_holds",
    "send_refund",
]
