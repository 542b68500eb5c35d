"""Doors (check-in lists) and the record of every scan made at them."""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from attendees.models import Ticket
from events.models import Event, TicketType


def new_door_code() -> str:
    """The short code in a door's link: short enough to type from a poster, too many to guess."""
    return secrets.token_urlsafe(6)


class Door(models.Model):
    """A check-in list of an event: "Main door", "Speakers"... A ticket is admitted once per door.

    With no ticket types chosen, the door takes every ticket of the event.
    """

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="doors")
    name = models.CharField(_("name"), max_length=100)
    ticket_types = models.ManyToManyField(
        TicketType,
        blank=True,
        related_name="doors",
        verbose_name=_("ticket types"),
        help_text=_("Leave empty to admit every ticket type."),
    )
    code = models.CharField(max_length=16, unique=True, default=new_door_code)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("door")
        verbose_name_plural = _("doors")
        ordering = ["position", "pk"]
        constraints = [models.UniqueConstraint(fields=["event", "name"], name="unique_door_name_per_event")]

    def __str__(self):
        return self.name


class CheckIn(models.Model):
    """One attempt at a door, admitted or refused, as the device made it.

    A device sends each scan with a nonce of its own; the same (device, nonce) sent again is the same scan, so
    retries record nothing new. An undo keeps the row and marks it (`undone_at`).
    """

    class Kind(models.TextChoices):
        ENTRY = "entry", _("Entry")
        EXIT = "exit", _("Exit")

    class Method(models.TextChoices):
        CAMERA = "camera", _("Camera")
        SCANNER = "scanner", _("Scanner or typed code")
        SEARCH = "search", _("Search")

    class Reason(models.TextChoices):
        ALREADY_CHECKED_IN = "already_checked_in", _("Already checked in")
        NOT_INSIDE = "not_inside", _("Not inside")
        CANCELLED = "cancelled", _("Ticket cancelled")
        REFUNDED = "refunded", _("Ticket refunded")
        PAYMENT_PENDING = "payment_pending", _("Payment pending")
        APPROVAL_PENDING = "approval_pending", _("Approval pending")
        EVENT_CANCELLED = "event_cancelled", _("Event cancelled")
        WRONG_EVENT = "wrong_event", _("Ticket for another event")
        WRONG_DOOR = "wrong_door", _("Wrong door for this ticket type")
        FLAGGED = "flagged", _("Flagged by the organisers")
        UNKNOWN = "unknown", _("Unknown code")
        INVALID = "invalid", _("Not a ticket code")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="checkins")
    door = models.ForeignKey(Door, on_delete=models.CASCADE, related_name="checkins")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, null=True, blank=True, related_name="checkins")
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.ENTRY)
    method = models.CharField(_("method"), max_length=8, choices=Method.choices, default=Method.CAMERA)
    successful = models.BooleanField(_("admitted"), default=False)
    reason = models.CharField(_("reason"), max_length=24, choices=Reason.choices, blank=True)
    # When the device scanned (offline scans arrive later), and when the server recorded it.
    scanned_at = models.DateTimeField(_("scanned at"), default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now)
    device = models.CharField(_("device"), max_length=64)
    nonce = models.CharField(max_length=64)
    volunteer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    offline = models.BooleanField(_("scanned offline"), default=False)
    # An admission decided offline for a ticket another device had already admitted: both are kept.
    conflict = models.BooleanField(_("conflict"), default=False)
    # The admission this attempt ran into: the one that made it "already checked in", or the one it conflicts with.
    # It keeps the refusal's sentence ("...at 19:03 by Alex") the same when the device sends the scan again.
    previous = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        ordering = ["scanned_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["device", "nonce"], name="one_checkin_per_device_nonce")]
        indexes = [
            # A ticket's standing movements at a door, newest last: the scan's read of its latest one
            # (checkin.services.scan_query) takes one entry from here. Led by the ticket, so the read stays a few
            # index entries when the planner's statistics predate the door's check-ins (it otherwise walked every
            # movement of the door through checkin_door_standing_idx: bench/scan.py).
            models.Index(
                fields=["ticket", "door", "scanned_at", "id"],
                condition=models.Q(successful=True, undone_at__isnull=True),
                name="checkin_ticket_standing_idx",
            ),
            models.Index(fields=["event", "door", "scanned_at"], name="checkin_event_door_time_idx"),
            # The dashboard's cache version: the latest undo at an event.
            models.Index(fields=["event", "undone_at"], name="checkin_event_undone_idx"),
            # The door's counters on every scan: the standing movements of one door, read from the index alone.
            models.Index(
                fields=["door", "kind", "conflict", "ticket"],
                condition=models.Q(successful=True, undone_at__isnull=True),
                name="checkin_door_standing_idx",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.door} {self.scanned_at:%Y-%m-%d %H:%M}"
