"""Orders, tickets, the waiting list and the record of Stripe events already handled."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from attendees import secrets as ticket_secrets
from events.models import CURRENCY_CHOICES, Event, TicketType


class Order(models.Model):
    """One registration: a buyer, the tickets they took in one go, and how they paid.

    An order in a holding status (`HOLDING`) counts in its event's `seats_taken` and its ticket types'
    `quantity_sold`; attendees.services moves orders in and out of those statuses and the counters with them.
    """

    class Status(models.TextChoices):
        PENDING_APPROVAL = "pending_approval", _("Pending approval")
        PENDING_PAYMENT = "pending_payment", _("Pending payment")
        CONFIRMED = "confirmed", _("Confirmed")
        CANCELLED = "cancelled", _("Cancelled")
        REFUNDED = "refunded", _("Refunded")
        EXPIRED = "expired", _("Expired")
        DECLINED = "declined", _("Declined")

    HOLDING = frozenset({Status.PENDING_APPROVAL, Status.PENDING_PAYMENT, Status.CONFIRMED})

    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="orders")
    # Short code for people (e-mails, the organiser's list); the access token is the secret.
    reference = models.CharField(_("reference"), max_length=12, unique=True, default=ticket_secrets.new_reference)
    access_token = models.CharField(max_length=64, unique=True, default=ticket_secrets.new_access_token)
    buyer_name = models.CharField(_("name"), max_length=200)
    buyer_email = models.EmailField(_("e-mail"))
    # Set when the buyer is signed in, or later when an account with this e-mail signs in.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="orders"
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    total = models.DecimalField(_("total"), max_digits=11, decimal_places=2, default=0)
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES, default="EUR")
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default="en")
    marketing_consent = models.BooleanField(_("may receive news about future events"), default=False)
    marketing_consent_at = models.DateTimeField(null=True, blank=True)
    # Seats stay held until then while the payment is pending: the Checkout Session's own expiry.
    hold_expires_at = models.DateTimeField(null=True, blank=True)
    stripe_checkout_session_id = models.CharField(max_length=255, null=True, blank=True, unique=True)
    stripe_checkout_url = models.URLField(max_length=2048, blank=True)
    stripe_payment_intent_id = models.CharField(max_length=255, blank=True)
    # A refunded order with an empty refund id is waiting for Stripe to accept the refund (a task retries it).
    stripe_refund_id = models.CharField(max_length=255, blank=True)
    refunded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["event", "status", "hold_expires_at"], name="order_event_status_idx"),
            models.Index(fields=["status", "hold_expires_at"], name="order_hold_idx"),
            models.Index(fields=["buyer_email"], name="order_buyer_email_idx"),
            # The dashboard's cache version: the latest change to a community's orders, event by event.
            models.Index(fields=["event", "updated_at"], name="order_event_updated_idx"),
        ]

    def __str__(self):
        return f"{self.reference} ({self.buyer_email})"

    @property
    def is_paid(self):
        return self.total > 0

    @property
    def holds_seats(self):
        return self.status in self.HOLDING

    @property
    def refund_pending(self):
        return self.status == self.Status.REFUNDED and self.is_paid and not self.stripe_refund_id


class Ticket(models.Model):
    """One seat for one holder. The QR code carries `secret` and nothing else."""

    class Status(models.TextChoices):
        VALID = "valid", _("Valid")
        CANCELLED = "cancelled", _("Cancelled")
        REFUNDED = "refunded", _("Refunded")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="tickets")
    ticket_type = models.ForeignKey(TicketType, on_delete=models.PROTECT, related_name="tickets")
    holder_name = models.CharField(_("name"), max_length=200)
    holder_email = models.EmailField(_("e-mail"))
    secret = models.CharField(max_length=64, unique=True, default=ticket_secrets.new_ticket_secret)
    price = models.DecimalField(_("price"), max_digits=9, decimal_places=2, default=0)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.VALID)
    # The person in the community's people list; linked when the order is placed (attendees.services.fans).
    fan = models.ForeignKey("Fan", on_delete=models.SET_NULL, null=True, blank=True, related_name="tickets")
    # First admission at any door, kept by checkin.services (cleared again when that check-in is undone).
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["order", "pk"]
        indexes = [
            # "Came before" (attendee list, door history): earlier admissions of the same e-mail.
            models.Index(fields=["holder_email", "checked_in_at"], name="ticket_holder_email_idx"),
            # The same, case aside: the door's history cue on every scan (checkin.services.scan_query).
            models.Index(Lower("holder_email"), "checked_in_at", name="ticket_holder_email_lower_idx"),
        ]

    def __str__(self):
        return f"{self.holder_name} ({self.ticket_type})"

    @property
    def admits(self):
        """Whether this ticket lets its holder in: valid, in a confirmed order."""
        return self.status == self.Status.VALID and self.order.status == Order.Status.CONFIRMED


class Question(models.Model):
    """A question the organiser asks at registration: once per order, or of each ticket holder (`per_ticket`)."""

    class Kind(models.TextChoices):
        SHORT_TEXT = "short_text", _("Short text")
        LONG_TEXT = "long_text", _("Long text")
        SINGLE_CHOICE = "single_choice", _("One choice from a list")
        MULTIPLE_CHOICE = "multiple_choice", _("Several choices from a list")
        REQUIRED_CHECKBOX = "required_checkbox", _("Checkbox that must be ticked (e.g. code of conduct)")

    CHOICE_KINDS = frozenset({Kind.SINGLE_CHOICE, Kind.MULTIPLE_CHOICE})

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="questions")
    label = models.CharField(_("question"), max_length=300)
    help_text = models.CharField(_("help text"), max_length=300, blank=True)
    kind = models.CharField(_("kind of answer"), max_length=20, choices=Kind.choices, default=Kind.SHORT_TEXT)
    # One choice a line: organisers type them in a text box; answers store the chosen lines as they were.
    choices = models.TextField(_("choices"), blank=True, help_text=_("One choice per line."))
    required = models.BooleanField(_("required"), default=False)
    per_ticket = models.BooleanField(_("ask each ticket holder"), default=False)
    position = models.PositiveIntegerField(default=0)
    show_at_door = models.BooleanField(_("show the answer at the door"), default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["position", "pk"]

    def __str__(self):
        return self.label

    @property
    def choice_list(self) -> list[str]:
        return [line.strip() for line in self.choices.splitlines() if line.strip()]


class Answer(models.Model):
    """A fan's answer: to a per-order question (`ticket` empty) or for one ticket holder.

    `value` is the text typed, the choice picked, the choices picked one a line, or "yes" for a ticked checkbox.
    """

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="answers")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, null=True, blank=True, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    value = models.TextField(_("answer"), blank=True)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        ordering = ["question__position", "question_id", "ticket_id", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["question", "ticket"], condition=Q(ticket__isnull=False), name="one_answer_per_ticket"
            ),
            models.UniqueConstraint(
                fields=["question", "order"], condition=Q(ticket__isnull=True), name="one_answer_per_order"
            ),
        ]

    def __str__(self):
        return f"{self.question}: {self.value}"

    @property
    def values(self) -> list[str]:
        """The choices picked (multiple choice), or the one value in a list."""
        return [line for line in self.value.splitlines() if line] if self.value else []


class WaitingListEntry(models.Model):
    """A fan waiting for places; an offer holds `offered_quantity` seats in the event's `seats_taken`."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        OFFERED = "offered", _("Offered a place")
        CLAIMED = "claimed", _("Claimed")
        EXPIRED = "expired", _("Offer expired")
        LEFT = "left", _("Left the list")
        CLOSED = "closed", _("Closed: event cancelled")

    ACTIVE = frozenset({Status.WAITING, Status.OFFERED})

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="waiting_list")
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("e-mail"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="waiting_list"
    )
    quantity = models.PositiveSmallIntegerField(_("places wanted"), default=1)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default="en")
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.WAITING)
    # The link in the e-mails to leave the list; the offer token is the link to claim an offer.
    access_token = models.CharField(max_length=64, unique=True, default=ticket_secrets.new_access_token)
    offer_token = models.CharField(max_length=64, unique=True, null=True, blank=True)
    offered_quantity = models.PositiveSmallIntegerField(default=0)
    offered_at = models.DateTimeField(null=True, blank=True)
    offer_expires_at = models.DateTimeField(null=True, blank=True)
    order = models.OneToOneField(
        Order, on_delete=models.SET_NULL, null=True, blank=True, related_name="waiting_list_entry"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("waiting list entry")
        verbose_name_plural = _("waiting list entries")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "email"],
                condition=Q(status__in=["waiting", "offered"]),
                name="one_active_waiting_entry_per_email",
            ),
        ]
        indexes = [
            models.Index(fields=["event", "status", "created_at"], name="waiting_event_status_idx"),
            models.Index(fields=["status", "offer_expires_at"], name="waiting_offer_expiry_idx"),
        ]

    def __str__(self):
        return f"{self.email} ({self.get_status_display()})"


class ProcessedStripeEvent(models.Model):
    """A Stripe webhook event already handled: Stripe delivers at least once, we act at most once."""

    stripe_event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100)
    order = models.ForeignKey(Order, on_delete=models.SET_NULL, null=True, blank=True, related_name="stripe_events")
    outcome = models.CharField(max_length=32, blank=True)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("Stripe event")
        verbose_name_plural = _("Stripe events")
        ordering = ["-received_at"]

    def __str__(self):
        return f"{self.type} {self.stripe_event_id}"


class OutgoingEmail(models.Model):
    """One e-mail of registration, named by its natural key (kind + order or waiting-list entry).

    The row is written in the transaction that makes the change, so a change that rolls back sends nothing, and
    the unique key means a message asked for twice is recorded once; attendees.emails claims the row, sends the
    e-mail after commit and marks it sent, and the sweep retries rows whose worker died mid-send.
    """

    class Kind(models.TextChoices):
        CONFIRMATION = "confirmation", _("Tickets")
        PENDING_APPROVAL = "pending_approval", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined")
        CANCELLED = "cancelled", _("Cancellation")
        REFUNDED = "refunded", _("Refund")
        PAYMENT_EXPIRED = "payment_expired", _("Payment not completed")
        OFFER = "offer", _("Waiting-list offer")
        OFFER_EXPIRED = "offer_expired", _("Offer expired")
        REMINDER = "reminder", _("Reminder")
        EVENT_CANCELLED = "event_cancelled", _("Event cancelled")

    class Status(models.TextChoices):
        PENDING = "pending", _("To send")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        SKIPPED = "skipped", _("No longer needed")
        FAILED = "failed", _("Failed")

    key = models.CharField(max_length=120, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    order = models.ForeignKey(Order, on_delete=models.CASCADE, null=True, blank=True, related_name="emails")
    entry = models.ForeignKey(WaitingListEntry, on_delete=models.CASCADE, null=True, blank=True, related_name="emails")
    # What the message needs that the rows do not keep, e.g. the organiser's words with a refusal.
    note = models.TextField(blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Set when a worker takes the row; a claim older than attendees.emails.CLAIM_LEASE belongs to a dead worker.
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("outgoing e-mail")
        verbose_name_plural = _("outgoing e-mails")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["status", "created_at"], name="outgoing_email_status_idx")]

    def __str__(self):
        return self.key


class Tag(models.Model):
    """A label organisers put on people of their community ("speaker", "sponsor", "regular")."""

    community = models.ForeignKey("events.Community", on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(_("name"), max_length=50)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name", "pk"]
        constraints = [models.UniqueConstraint(fields=["community", "name"], name="unique_tag_per_community")]

    def __str__(self):
        return self.name


class Fan(models.Model):
    """One person as a community knows them, across all its events: matched by account, else by e-mail.

    The counters are kept by attendees.services.fans so the people page sorts and pages without aggregating.
    """

    community = models.ForeignKey("events.Community", on_delete=models.CASCADE, related_name="fans")
    # Lower-cased; the one key that stays when a fan registers with and without an account.
    email = models.EmailField(_("e-mail"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="fans"
    )
    name = models.CharField(_("name"), max_length=200, blank=True)
    note = models.TextField(_("organisers' note"), blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="fans", verbose_name=_("tags"))
    # A flagged fan (e.g. after a code-of-conduct incident) is refused new registrations and shown at the door.
    flagged = models.BooleanField(_("flagged"), default=False)
    flag_reason = models.TextField(_("reason for the flag"), blank=True)
    flagged_at = models.DateTimeField(null=True, blank=True)
    flagged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    marketing_consent = models.BooleanField(_("may receive news about future events"), default=False)
    marketing_consent_at = models.DateTimeField(null=True, blank=True)
    events_registered = models.PositiveIntegerField(_("events registered"), default=0)
    events_attended = models.PositiveIntegerField(_("events attended"), default=0)
    no_shows = models.PositiveIntegerField(_("no-shows"), default=0)
    first_seen_at = models.DateTimeField(_("first seen"), null=True, blank=True)
    last_seen_at = models.DateTimeField(_("last seen"), null=True, blank=True)
    # Name and e-mail lower-cased without accents, so the people page searches "zoe" and finds "Zoé".
    search_text = models.CharField(max_length=460, blank=True, editable=False)
    # Erasure is irreversible: the person's data is gone from every event of the community; who asked stays.
    erased_at = models.DateTimeField(_("erased at"), null=True, blank=True)
    erased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    erased_on_request_of_fan = models.BooleanField(default=False)
    # A flagged fan erased keeps their flag: a one-way fingerprint of the e-mail address they had (see
    # attendees.services.fans.email_digest) still refuses that address; the address itself is gone.
    flagged_email_digest = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("fan")
        verbose_name_plural = _("fans")
        ordering = ["name", "pk"]
        constraints = [models.UniqueConstraint(fields=["community", "email"], name="unique_fan_email_per_community")]
        indexes = [
            models.Index(fields=["community", "events_attended"], name="fan_attended_idx"),
            models.Index(fields=["community", "last_seen_at"], name="fan_last_seen_idx"),
            models.Index(fields=["community", "name"], name="fan_name_idx"),
            models.Index(fields=["community", "events_registered"], name="fan_registered_idx"),
        ]

    def __str__(self):
        return self.name or self.email
