"""Organiser forms: they check and clean input (local times made aware, uploads re-encoded); services write."""

import datetime as dt

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import formats
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from events import images
from events.models import CURRENCY_CHOICES, TIME_ZONE_CHOICES, Community, Event, Membership, TicketType, Venue
from events.services.localtime import get_zone, is_nonexistent, make_aware_local, to_local_naive
from events.services.series import MONTHLY_BY_DAY, MONTHLY_BY_WEEKDAY

DATETIME_LOCAL_FORMAT = "%Y-%m-%dT%H:%M"
IMAGE_ACCEPT = "image/jpeg,image/png,image/webp,image/gif"


def _model_field(model, name: str, **kwargs) -> forms.Field:
    """The form field Django would make for this model field (label, help text, length), adjusted."""
    return model._meta.get_field(name).formfield(**kwargs)


class LocalDateTimeField(forms.Field):
    """A wall-clock date and time from a datetime-local input, kept naive: the form decides its time zone."""

    input_formats = ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S")
    default_error_messages = {
        "invalid": _("Enter a date and time, for example 2026-03-14 19:00."),
        "out_of_range": _("Enter a date between the years 1970 and 2999."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL_FORMAT))
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, dt.datetime):
            return value.replace(tzinfo=None)
        text = str(value).strip()
        for fmt in self.input_formats:
            try:
                parsed = dt.datetime.strptime(text, fmt)  # noqa: DTZ007 (naive on purpose: local wall-clock time)
            except ValueError:
                continue
            if not 1970 <= parsed.year <= 2999:
                raise ValidationError(self.error_messages["out_of_range"], code="out_of_range")
            return parsed
        raise ValidationError(self.error_messages["invalid"], code="invalid")


class LocalTimesMixin:
    """Turns the form's LocalDateTimeFields into aware datetimes in one time zone, refusing DST-gap times."""

    def make_times_aware(self, zone_name: str) -> None:
        zone = get_zone(zone_name)
        if zone is None:
            return
        for name, field in self.fields.items():
            if not isinstance(field, LocalDateTimeField):
                continue
            naive = self.cleaned_data.get(name)
            if naive is None:
                continue
            if is_nonexistent(naive, zone):
                self.add_error(
                    name,
                    _("%(time)s does not exist in %(zone)s: the clocks move forward that night. Choose another time.")
                    % {"time": naive.strftime("%H:%M"), "zone": zone_name},
                )
                continue
            self.cleaned_data[name] = make_aware_local(naive, zone)


def _image_field(label, help_text) -> forms.FileField:
    return forms.FileField(
        label=label,
        required=False,
        help_text=help_text,
        widget=forms.FileInput(attrs={"accept": IMAGE_ACCEPT}),
    )


class CommunityForm(forms.Form):
    """Create (with a slug) or edit (without: the slug never changes) a community."""

    name = _model_field(Community, "name")
    slug = _model_field(
        Community,
        "slug",
        required=False,
        help_text=_(
            "Used in the addresses of your pages: lowercase letters, digits and hyphens. "
            "Leave empty to make one from the name. It cannot change later."
        ),
    )
    tagline = _model_field(Community, "tagline", help_text=_("One line that says who the community is for."))
    description = _model_field(
        Community,
        "description",
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Markdown is allowed: **bold**, *italic*, [links](https://example.org), lists."),
    )
    logo = _image_field(
        _("logo"), _("A square JPEG, PNG, WebP or GIF, at least 64×64 pixels, up to 5 MB. Shown next to the name.")
    )
    remove_logo = forms.BooleanField(label=_("Remove the current logo"), required=False)
    time_zone = forms.ChoiceField(
        label=_("default time zone"),
        choices=TIME_ZONE_CHOICES,
        help_text=_("New events start in this time zone; each event can have its own."),
        error_messages={"invalid_choice": _("Choose a time zone from the list.")},
    )
    language = forms.ChoiceField(
        label=_("language"),
        choices=settings.LANGUAGES,
        help_text=_("The language of the e-mails the community sends."),
        error_messages={"invalid_choice": _("Choose a language from the list.")},
    )
    website_url = _model_field(Community, "website_url", assume_scheme="https")
    mastodon_url = _model_field(Community, "mastodon_url", assume_scheme="https")
    bluesky_url = _model_field(Community, "bluesky_url", assume_scheme="https")
    linkedin_url = _model_field(Community, "linkedin_url", assume_scheme="https")
    instagram_url = _model_field(Community, "instagram_url", assume_scheme="https")
    discord_url = _model_field(Community, "discord_url", assume_scheme="https")

    LINK_FIELDS = ("website_url", "mastodon_url", "bluesky_url", "linkedin_url", "instagram_url", "discord_url")

    def __init__(self, *args, community: Community | None = None, **kwargs):
        self.community = community
        if community is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                name: getattr(community, name)
                for name in ("name", "tagline", "description", "time_zone", "language", *self.LINK_FIELDS)
            }
        elif "initial" not in kwargs:
            language = (get_language() or "en").split("-")[0]
            kwargs["initial"] = {
                "time_zone": Community._meta.get_field("time_zone").default,
                "language": language if language in dict(settings.LANGUAGES) else "en",
            }
        super().__init__(*args, **kwargs)
        self.fields["name"].widget.attrs.update({"autocomplete": "off", "data-slug-source": "id_slug"})
        self.fields["slug"].widget.attrs.update({"autocomplete": "off", "data-slug-target": "", "spellcheck": "false"})
        if community is None:
            del self.fields["remove_logo"]
            # The browser knows its time zone better than our default; manage.js picks it when untouched.
            self.fields["time_zone"].widget.attrs["data-guess-time-zone"] = ""
        else:
            del self.fields["slug"]
            if not community.logo:
                del self.fields["remove_logo"]

    def clean_logo(self):
        upload = self.cleaned_data.get("logo")
        if not upload:
            return None
        return images.process_image(upload, images.LOGO)

    def service_kwargs(self) -> dict:
        """Arguments for create_community / update_community."""
        data = {name: self.cleaned_data[name] for name in ("name", "tagline", "description", "time_zone", "language")}
        data.update({name: self.cleaned_data[name] for name in self.LINK_FIELDS})
        if self.community is None:
            data["slug"] = self.cleaned_data["slug"]
            data["logo"] = self.cleaned_data.get("logo")
        elif self.cleaned_data.get("logo"):
            data["logo"] = self.cleaned_data["logo"]
        elif self.cleaned_data.get("remove_logo"):
            data["logo"] = ""
        return data


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"), max_length=254)
    role = forms.ChoiceField(
        label=_("Role"),
        choices=Membership.Role.choices,
        initial=Membership.Role.VOLUNTEER,
        widget=forms.RadioSelect,
        help_text=_("Organisers can change everything; volunteers help at the door."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].widget.attrs.update({"autocomplete": "off", "placeholder": "name@example.org"})


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices)


class VenueForm(forms.Form):
    name = _model_field(Venue, "name")
    address = _model_field(Venue, "address", widget=forms.Textarea(attrs={"rows": 3}))
    city = _model_field(Venue, "city")
    country = _model_field(Venue, "country")
    map_url = _model_field(
        Venue,
        "map_url",
        assume_scheme="https",
        help_text=_("A link to the place on OpenStreetMap, Google Maps or any other map."),
    )

    FIELDS = ("name", "address", "city", "country", "map_url")

    def __init__(self, *args, venue: Venue | None = None, **kwargs):
        if venue is not None and "initial" not in kwargs:
            kwargs["initial"] = {name: getattr(venue, name) for name in self.FIELDS}
        super().__init__(*args, **kwargs)

    def service_kwargs(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.FIELDS}


class EventForm(LocalTimesMixin, forms.Form):
    """An event's details; times are typed as wall-clock times in the event's own time zone."""

    title = _model_field(Event, "title")
    slug = _model_field(
        Event,
        "slug",
        required=False,
        help_text=_("The end of the event's address. Leave empty to make one from the title."),
    )
    summary = _model_field(Event, "summary", help_text=_("One or two sentences shown in lists and link previews."))
    description = _model_field(
        Event,
        "description",
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("Markdown is allowed: **bold**, *italic*, [links](https://example.org), lists."),
    )
    cover = _image_field(
        _("cover image"),
        _("JPEG, PNG, WebP or GIF, from 200×100 to 6000×6000 pixels, up to 5 MB. A wide picture works best."),
    )
    remove_cover = forms.BooleanField(label=_("Remove the current cover image"), required=False)
    time_zone = forms.ChoiceField(
        label=_("time zone"),
        choices=TIME_ZONE_CHOICES,
        help_text=_("Where the event happens; the times below are in this time zone."),
        error_messages={"invalid_choice": _("Choose a time zone from the list.")},
    )
    start = LocalDateTimeField(label=_("starts at"))
    end = LocalDateTimeField(label=_("ends at"))
    venue = forms.ModelChoiceField(
        label=_("venue"),
        queryset=Venue.objects.none(),
        required=False,
        empty_label=_("No venue (online only)"),
        error_messages={"invalid_choice": _("Choose one of this community's venues.")},
    )
    online_url = _model_field(
        Event,
        "online_url",
        assume_scheme="https",
        help_text=_("For an online or hybrid event: the link to the stream or call."),
    )
    capacity = forms.IntegerField(
        label=_("capacity"),
        required=False,
        min_value=1,
        max_value=1_000_000,
        help_text=_("How many people can come in all, whatever their ticket type. Leave empty for no limit."),
    )
    visibility = forms.ChoiceField(
        label=_("visibility"),
        choices=Event.Visibility.choices,
        initial=Event.Visibility.PUBLIC,
        widget=forms.RadioSelect,
        help_text=_("Unlisted events are left out of lists, calendars and search engines."),
    )
    registration_opens_at = LocalDateTimeField(
        label=_("registration opens"), required=False, help_text=_("Leave empty to open registration at once.")
    )
    registration_closes_at = LocalDateTimeField(
        label=_("registration closes"),
        required=False,
        help_text=_("Leave empty to keep registration open until the event ends."),
    )

    approval_required = _model_field(Event, "approval_required")
    waiting_list_enabled = _model_field(Event, "waiting_list_enabled")
    claim_window_hours = _model_field(Event, "claim_window_hours", required=False, min_value=1, max_value=168)
    cancellation_cutoff_hours = _model_field(
        Event, "cancellation_cutoff_hours", required=False, min_value=0, max_value=720
    )
    refund_policy = forms.ChoiceField(
        label=_("refunds"),
        choices=Event.RefundPolicy.choices,
        required=False,
        widget=forms.RadioSelect,
        help_text=_("For paid tickets: the payment goes back through Stripe when an attendee cancels in time."),
        error_messages={"invalid_choice": _("Choose a refund policy from the list.")},
    )
    max_tickets_per_order = _model_field(
        Event,
        "max_tickets_per_order",
        required=False,
        min_value=1,
        max_value=50,
        help_text=_("From 1 to 50 tickets, for one person and guests."),
    )

    REGISTRATION_FIELDS = (
        "approval_required", "waiting_list_enabled", "claim_window_hours", "cancellation_cutoff_hours",
        "refund_policy", "max_tickets_per_order",
    )  # fmt: skip
    FIELDS = (
        "title", "summary", "description", "time_zone", "start", "end", "venue", "online_url", "capacity",
        "visibility", "registration_opens_at", "registration_closes_at", *REGISTRATION_FIELDS,
    )  # fmt: skip

    def __init__(self, *args, community: Community, event: Event | None = None, **kwargs):
        self.community = community
        self.event = event
        if "initial" not in kwargs:
            kwargs["initial"] = self._initial(community, event)
        super().__init__(*args, **kwargs)
        self.fields["venue"].queryset = Venue.objects.filter(community=community).order_by("name")
        self.fields["title"].widget.attrs.update({"autocomplete": "off", "data-slug-source": "id_slug"})
        self.fields["slug"].widget.attrs.update({"autocomplete": "off", "data-slug-target": "", "spellcheck": "false"})
        if event is not None and (event.published_at is not None or event.status != Event.Status.DRAFT):
            # Shared links and calendars point at a published event's address.
            del self.fields["slug"]
        if event is None or not event.cover:
            del self.fields["remove_cover"]

    @staticmethod
    def _initial(community: Community, event: Event | None) -> dict:
        if event is None:
            defaults = {name: Event._meta.get_field(name).default for name in EventForm.REGISTRATION_FIELDS}
            return {"time_zone": community.time_zone, "visibility": Event.Visibility.PUBLIC, **defaults}
        zone = event.tz
        initial = {name: getattr(event, name) for name in EventForm.FIELDS}
        initial["slug"] = event.slug
        initial["venue"] = event.venue_id
        for name in ("start", "end", "registration_opens_at", "registration_closes_at"):
            initial[name] = to_local_naive(getattr(event, name), zone)
        return initial

    def clean_cover(self):
        upload = self.cleaned_data.get("cover")
        if not upload:
            return None
        return images.process_image(upload, images.COVER)

    def clean(self):
        cleaned = super().clean()
        zone_name = cleaned.get("time_zone")
        if zone_name:
            self.make_times_aware(zone_name)
        start, end = cleaned.get("start"), cleaned.get("end")
        opens, closes = cleaned.get("registration_opens_at"), cleaned.get("registration_closes_at")
        aware = all(v is None or v.tzinfo is not None for v in (start, end, opens, closes))
        if not aware:
            return cleaned
        if start and end and end <= start and "end" not in self.errors:
            self.add_error("end", _("The event must end after it starts."))
        if end and closes and closes > end:
            self.add_error("registration_closes_at", _("Registration must close before the event ends."))
        if opens and closes and opens >= closes and "registration_closes_at" not in self.errors:
            self.add_error("registration_closes_at", _("Registration must close after it opens."))
        for name in self.REGISTRATION_FIELDS:
            # Left empty: the usual setting, as the help texts say.
            if cleaned.get(name) in (None, "") and name not in self.errors:
                cleaned[name] = Event._meta.get_field(name).default
        return cleaned

    def service_kwargs(self) -> dict:
        data = {name: self.cleaned_data[name] for name in self.FIELDS}
        if "slug" in self.fields:
            data["slug"] = self.cleaned_data["slug"]
        if self.cleaned_data.get("cover"):
            data["cover"] = self.cleaned_data["cover"]
        elif self.cleaned_data.get("remove_cover"):
            data["cover"] = ""
        return data


class TicketTypeForm(LocalTimesMixin, forms.Form):
    name = _model_field(TicketType, "name", help_text=_("For example: Standard, Student, Supporter."))
    description = _model_field(
        TicketType, "description", widget=forms.Textarea(attrs={"rows": 3}), help_text=_("What this ticket includes.")
    )
    price = forms.DecimalField(
        label=_("price"),
        min_value=0,
        max_value=9_999_999,
        max_digits=9,
        decimal_places=2,
        initial=0,
        help_text=_("0 for a free ticket."),
        error_messages={"min_value": _("The price cannot be negative: 0 makes the ticket free.")},
    )
    currency = forms.ChoiceField(
        label=_("currency"),
        choices=CURRENCY_CHOICES,
        initial="EUR",
        error_messages={"invalid_choice": _("Choose a currency from the list.")},
    )
    quantity = forms.IntegerField(label=_("quantity"), min_value=1, max_value=1_000_000)
    sales_start = LocalDateTimeField(
        label=_("on sale from"), required=False, help_text=_("Leave empty to sell at once.")
    )
    sales_end = LocalDateTimeField(
        label=_("on sale until"), required=False, help_text=_("Leave empty to sell until the event ends.")
    )

    FIELDS = ("name", "description", "price", "currency", "quantity", "sales_start", "sales_end")

    def __init__(self, *args, event: Event, ticket_type: TicketType | None = None, **kwargs):
        self.event = event
        if ticket_type is not None and "initial" not in kwargs:
            kwargs["initial"] = {name: getattr(ticket_type, name) for name in self.FIELDS}
            for name in ("sales_start", "sales_end"):
                kwargs["initial"][name] = to_local_naive(getattr(ticket_type, name), event.tz)
        super().__init__(*args, **kwargs)
        if event.capacity:
            self.fields["quantity"].help_text = _(
                "How many tickets of this type can be sold. The event's capacity (%(capacity)d) caps the total "
                "of all ticket types: quantities may add up to more."
            ) % {"capacity": event.capacity}
        else:
            self.fields["quantity"].help_text = _("How many tickets of this type can be sold.")
        zone = _("Times in %(zone)s, the event's time zone.") % {"zone": event.time_zone}
        for name in ("sales_start", "sales_end"):
            self.fields[name].help_text = f"{self.fields[name].help_text} {zone}"

    def clean(self):
        cleaned = super().clean()
        self.make_times_aware(self.event.time_zone)
        start, end = cleaned.get("sales_start"), cleaned.get("sales_end")
        if start and end and start.tzinfo and end.tzinfo and end <= start:
            self.add_error("sales_end", _("Sales must end after they start."))
        return cleaned

    def service_kwargs(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.FIELDS}


ORDINALS = {
    1: pgettext_lazy("nth weekday of the month", "1st"),
    2: pgettext_lazy("nth weekday of the month", "2nd"),
    3: pgettext_lazy("nth weekday of the month", "3rd"),
    4: pgettext_lazy("nth weekday of the month", "4th"),
    5: pgettext_lazy("nth weekday of the month", "5th"),
}

# pattern -> (Series frequency, interval, monthly_by)
PATTERNS = {
    "weekly": ("weekly", 1, MONTHLY_BY_WEEKDAY),
    "fortnightly": ("weekly", 2, MONTHLY_BY_WEEKDAY),
    "monthly_weekday": ("monthly", 1, MONTHLY_BY_WEEKDAY),
    "monthly_day": ("monthly", 1, MONTHLY_BY_DAY),
}


def pattern_choices(event: Event) -> list[tuple[str, str]]:
    """The repeat patterns, worded for this event's date ("every month on the 2nd Tuesday")."""
    first = event.local_start.date()
    weekday = formats.date_format(first, "l")
    nth = (first.day - 1) // 7 + 1
    monthly_weekday = _("Every month, on the %(nth)s %(weekday)s") % {"nth": ORDINALS[nth], "weekday": weekday}
    monthly_day = _("Every month, on day %(day)d") % {"day": first.day}
    if nth == 5:
        monthly_weekday = _("%(pattern)s (months without one are skipped)") % {"pattern": monthly_weekday}
    if first.day > 28:
        monthly_day = _("%(pattern)s (months without one are skipped)") % {"pattern": monthly_day}
    return [
        ("weekly", _("Every week, on %(weekday)s") % {"weekday": weekday}),
        ("fortnightly", _("Every 2 weeks, on %(weekday)s") % {"weekday": weekday}),
        ("monthly_weekday", monthly_weekday),
        ("monthly_day", monthly_day),
    ]


class RepeatPatternForm(forms.Form):
    """Step one of repeating an event: which pattern, how many dates to propose."""

    pattern = forms.ChoiceField(label=_("Repeat"), widget=forms.RadioSelect)
    count = forms.IntegerField(
        label=_("How many dates to propose"), min_value=1, max_value=26, initial=6, help_text=_("Up to 26.")
    )

    def __init__(self, *args, event: Event, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pattern"].choices = pattern_choices(event)
        self.fields["pattern"].initial = "monthly_weekday"

    def service_kwargs(self) -> dict:
        frequency, interval, monthly_by = PATTERNS[self.cleaned_data["pattern"]]
        return {
            "frequency": frequency,
            "interval": interval,
            "monthly_by": monthly_by,
            "count": self.cleaned_data["count"],
        }


class RepeatDatesForm(forms.Form):
    """Step two: tick the proposed dates to create, as drafts or published."""

    dates = forms.MultipleChoiceField(
        label=_("Dates to create"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Tick at least one date."),
            "invalid_choice": _("%(value)s is not one of the proposed dates."),
        },
    )
    publish = forms.TypedChoiceField(
        label=_("Create them as"),
        choices=[("0", _("Drafts: I will check and publish each one")), ("1", _("Published events"))],
        coerce=lambda v: v == "1",
        initial="0",
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, proposals: list[dt.date], existing: set[dt.date], **kwargs):
        super().__init__(*args, **kwargs)
        self.existing = existing
        self.fields["dates"].choices = [
            (day.isoformat(), formats.date_format(day, "DATE_FORMAT")) for day in proposals if day not in existing
        ]
        self.fields["dates"].initial = [day.isoformat() for day in proposals if day not in existing]

    def clean_dates(self):
        return sorted(dt.date.fromisoformat(value) for value in self.cleaned_data["dates"])
