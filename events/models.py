"""Communities, their members, venues, events and ticket types."""

import uuid
import zoneinfo
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

TIME_ZONE_CHOICES = sorted((tz, tz.replace("_", " ")) for tz in zoneinfo.available_timezones() if "/" in tz)
CURRENCY_CHOICES = [("EUR", "EUR €"), ("USD", "USD $"), ("GBP", "GBP £"), ("CHF", "CHF"), ("CAD", "CAD $")]


class Community(models.Model):
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("short name in links"), max_length=60, unique=True)
    tagline = models.CharField(_("short description"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True, help_text=_("Markdown is allowed."))
    logo = models.ImageField(_("logo"), upload_to="communities/", blank=True)
    time_zone = models.CharField(
        _("default time zone"), max_length=64, choices=TIME_ZONE_CHOICES, default="Europe/Paris"
    )
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default="en")
    website_url = models.URLField(_("website"), blank=True)
    mastodon_url = models.URLField(_("Mastodon"), blank=True)
    bluesky_url = models.URLField(_("Bluesky"), blank=True)
    linkedin_url = models.URLField(_("LinkedIn"), blank=True)
    instagram_url = models.URLField(_("Instagram"), blank=True)
    discord_url = models.URLField(_("Discord"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("community")
        verbose_name_plural = _("communities")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("events:community", kwargs={"community": self.slug})

    @property
    def links(self):
        """The community's web links as (label, url) pairs, in a stable order."""
        fields = ["website_url", "mastodon_url", "bluesky_url", "linkedin_url", "instagram_url", "discord_url"]
        return [(self._meta.get_field(f).verbose_name, getattr(self, f)) for f in fields if getattr(self, f)]


class Membership(models.Model):
    class Role(models.TextChoices):
        ORGANISER = "organiser", _("Organiser")
        VOLUNTEER = "volunteer", _("Volunteer")

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        constraints = [models.UniqueConstraint(fields=["community", "user"], name="unique_membership")]

    def __str__(self):
        return f"{self.user} ({self.get_role_display()}, {self.community})"


class Invitation(models.Model):
    """An invitation by e-mail to join a community with a role; the token is the secret."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("e-mail"))
    role = models.CharField(_("role"), max_length=16, choices=Membership.Role.choices)
    token = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self):
        return f"{self.email} → {self.community}"


class Venue(models.Model):
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="venues")
    name = models.CharField(_("name"), max_length=120)
    address = models.TextField(_("address"), blank=True)
    city = models.CharField(_("city"), max_length=80, blank=True)
    country = models.CharField(_("country"), max_length=80, blank=True)
    map_url = models.URLField(_("map link"), blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("venue")
        verbose_name_plural = _("venues")
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def one_line_address(self):
        parts = [" ".join(self.address.split()), self.city, self.country]
        return ", ".join(p for p in parts if p)


class Series(models.Model):
    """A recurring meetup: occurrences are ordinary events that point here."""

    class Frequency(models.TextChoices):
        WEEKLY = "weekly", _("Weekly")
        MONTHLY = "monthly", _("Monthly")

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="series")
    title = models.CharField(_("title"), max_length=200)
    frequency = models.CharField(_("frequency"), max_length=16, choices=Frequency.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("series")
        verbose_name_plural = _("series")

    def __str__(self):
        return self.title


class EventQuerySet(models.QuerySet):
    def listed(self):
        """Events that may appear in public lists, feeds and sitemaps."""
        return self.filter(
            status__in=[Event.Status.PUBLISHED, Event.Status.CANCELLED], visibility=Event.Visibility.PUBLIC
        )

    def upcoming(self, now=None):
        return self.filter(end__gte=now or timezone.now()).order_by("start", "pk")

    def past(self, now=None):
        return self.filter(end__lt=now or timezone.now()).order_by("-start", "-pk")


class Event(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        CANCELLED = "cancelled", _("Cancelled")

    class Visibility(models.TextChoices):
        PUBLIC = "public", _("Public")
        UNLISTED = "unlisted", _("Unlisted (only people with the link)")

    class RefundPolicy(models.TextChoices):
        FULL_UNTIL_CUTOFF = "full_until_cutoff", _("Full refund when attendees cancel in time")
        NONE = "none", _("No refunds")

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="events")
    series = models.ForeignKey(Series, on_delete=models.SET_NULL, null=True, blank=True, related_name="events")
    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("short name in links"), max_length=80)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True, help_text=_("Markdown is allowed."))
    cover = models.ImageField(_("cover image"), upload_to="covers/", blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, choices=TIME_ZONE_CHOICES, default="Europe/Paris")
    start = models.DateTimeField(_("starts at"))
    end = models.DateTimeField(_("ends at"))
    venue = models.ForeignKey(Venue, on_delete=models.SET_NULL, null=True, blank=True, related_name="events")
    online_url = models.URLField(_("online link"), blank=True)
    capacity = models.PositiveIntegerField(
        _("capacity"), null=True, blank=True, help_text=_("Leave empty for no limit.")
    )
    # Seats held or sold; only attendees.services changes it, under a row lock on this event.
    seats_taken = models.PositiveIntegerField(default=0, editable=False)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    visibility = models.CharField(_("visibility"), max_length=16, choices=Visibility.choices, default=Visibility.PUBLIC)
    registration_opens_at = models.DateTimeField(_("registration opens"), null=True, blank=True)
    registration_closes_at = models.DateTimeField(_("registration closes"), null=True, blank=True)
    # Registration settings: attendees.services reads them.
    approval_required = models.BooleanField(
        _("organisers approve each registration"),
        default=False,
        help_text=_("Registrations wait until an organiser approves them; paid tickets are paid after approval."),
    )
    waiting_list_enabled = models.BooleanField(
        _("waiting list"),
        default=True,
        help_text=_("When the event is full, people can join a waiting list and get an offer when a place frees up."),
    )
    claim_window_hours = models.PositiveSmallIntegerField(
        _("hours to claim a waiting-list offer"),
        default=24,
        validators=[MinValueValidator(1), MaxValueValidator(168)],
        help_text=_("Shortened automatically when the event is near, so a freed place still finds a taker."),
    )
    cancellation_cutoff_hours = models.PositiveSmallIntegerField(
        _("attendees can cancel until (hours before the start)"),
        default=24,
        validators=[MaxValueValidator(720)],
        help_text=_("0 lets attendees cancel until the event starts. Organisers can always cancel a registration."),
    )
    refund_policy = models.CharField(
        _("refunds"), max_length=24, choices=RefundPolicy.choices, default=RefundPolicy.FULL_UNTIL_CUTOFF
    )
    max_tickets_per_order = models.PositiveSmallIntegerField(
        _("most tickets in one registration"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
    )
    # Stable calendar identity: UID never changes, SEQUENCE goes up on every change attendees should see.
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    sequence = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["start", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["community", "slug"], name="unique_event_slug_per_community"),
            models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="event_ends_after_start"),
        ]
        indexes = [models.Index(fields=["status", "visibility", "end"], name="event_listing_idx")]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("events:event", kwargs={"community": self.community.slug, "event": self.slug})

    @property
    def tz(self):
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def local_start(self):
        return timezone.localtime(self.start, self.tz)

    @property
    def local_end(self):
        return timezone.localtime(self.end, self.tz)

    @property
    def is_cancelled(self):
        return self.status == self.Status.CANCELLED

    @property
    def is_past(self):
        return self.end < timezone.now()

    @property
    def places_left(self):
        """Places still free, or None when the event has no capacity limit."""
        if self.capacity is None:
            return None
        return max(self.capacity - self.seats_taken, 0)

    @property
    def is_sold_out(self):
        return self.capacity is not None and self.seats_taken >= self.capacity

    def registration_is_open(self, now=None):
        now = now or timezone.now()
        if self.status != self.Status.PUBLISHED or self.end < now:
            return False
        if self.registration_opens_at and now < self.registration_opens_at:
            return False
        if self.registration_closes_at and now >= self.registration_closes_at:
            return False
        return True


class TicketType(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="ticket_types")
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    price = models.DecimalField(
        _("price"),
        max_digits=9,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("0 for a free ticket."),
    )
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES, default="EUR")
    quantity = models.PositiveIntegerField(_("quantity"))
    # Tickets held or sold; only attendees.services changes it, under a row lock.
    quantity_sold = models.PositiveIntegerField(default=0, editable=False)
    sales_start = models.DateTimeField(_("on sale from"), null=True, blank=True)
    sales_end = models.DateTimeField(_("on sale until"), null=True, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("ticket type")
        verbose_name_plural = _("ticket types")
        ordering = ["position", "pk"]

    def __str__(self):
        return self.name

    @property
    def is_free(self):
        return self.price == 0

    @property
    def quantity_left(self):
        return max(self.quantity - self.quantity_sold, 0)

    def on_sale(self, now=None):
        now = now or timezone.now()
        if self.sales_start and now < self.sales_start:
            return False
        if self.sales_end and now >= self.sales_end:
            return False
        return True
