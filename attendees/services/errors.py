"""The domain error every registration service raises when it refuses to do something."""

from events.services.errors import DomainError


class RegistrationError(DomainError):
    """A refusal of a registration service, with a fixed `code` and a translated `message`.

    Codes: sold_out, not_enough_left, registration_closed, event_cancelled, not_on_sale, unknown_ticket_type,
    quantity_out_of_range, holders_mismatch, name_required, email_invalid, mixed_currencies,
    payments_not_configured, payment_unavailable, duplicate, payment_in_progress, offer_invalid, offer_expired,
    places_available, not_cancellable, not_refundable, already_claimed, cancellation_closed,
    waiting_list_disabled, flagged.
    """
