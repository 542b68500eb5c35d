"""Where registration tells people what happened: the seams the e-mails plug into.

Each function is called inside the transaction that made the change. The e-mails (and their tasks) come with
the registration pages; each one will enqueue its task with transaction.on_commit, so nothing is sent for a
change that rolls back. Until then these record nothing and send nothing.
"""

from attendees.models import Order, WaitingListEntry


def order_confirmed(*, order: Order) -> None:
    """The tickets (QR codes, .ics) to the buyer: a free order placed, or a payment confirmed by Stripe."""


def order_cancelled(*, order: Order) -> None:
    """The cancellation, to the buyer."""


def order_expired(*, order: Order) -> None:
    """The payment was not completed in time (or failed): the places were released."""


def order_refunded(*, order: Order) -> None:
    """A refund was requested at Stripe: a cancellation with refund, or a payment that came after its places went.

    `order.stripe_refund_id` is empty until Stripe accepted the refund.
    """


def offer_made(*, entry: WaitingListEntry) -> None:
    """A waiting-list offer: the claim link (`entry.offer_token`) and its deadline (`entry.offer_expires_at`)."""


def offer_expired(*, entry: WaitingListEntry) -> None:
    """The offer ran out; the places went to the next in line."""
