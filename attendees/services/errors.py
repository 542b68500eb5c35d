"""The domain error every registration service raises when it refuses to do something."""


class RegistrationError(Exception):
    """A refusal with a fixed `code` (for code and tests) and a translated `message` (for people).

    Codes: sold_out, not_enough_left, registration_closed, event_cancelled, not_on_sale, unknown_ticket_type,
    quantity_out_of_range, holders_mismatch, name_required, email_invalid, mixed_currencies,
    payments_not_configured, payment_unavailable, duplicate, payment_in_progress, offer_invalid, offer_expired,
    places_available, not_cancellable, not_refundable, already_claimed.
    `field` names the form field the message belongs next to, when there is one.
    """

    def __init__(self, code: str, message: str, *, field: str | None = None):
        super().__init__(message)
        self.code = code
        self.message = str(message)
        self.field = field

    def __repr__(self):
        return f"RegistrationError({self.code!r}, {self.message!r}, field={self.field!r})"
