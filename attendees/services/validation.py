"""Checks on what a fan typed, shared by the registration services; each raises RegistrationError."""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from attendees.services.errors import RegistrationError
from events.models import Event

NAME_MAX_LENGTH = 200
EMAIL_MAX_LENGTH = 254


def clean_name(value, *, field: str) -> str:
    value = " ".join(value.split()) if isinstance(value, str) else ""
    if not value:
        raise RegistrationError("name_required", _("Enter a name."), field=field)
    if len(value) > NAME_MAX_LENGTH:
        raise RegistrationError(
            "name_required", _("Keep the name under %(max)d characters.") % {"max": NAME_MAX_LENGTH + 1}, field=field
        )
    return value


def clean_email(value, *, field: str) -> str:
    """The address, trimmed and lower-cased: addresses are compared (duplicates, accounts) without case."""
    value = value.strip().lower() if isinstance(value, str) else ""
    try:
        if len(value) > EMAIL_MAX_LENGTH:
            raise ValidationError("too long")
        validate_email(value)
    except ValidationError:
        raise RegistrationError(
            "email_invalid", _("Enter a valid e-mail address, like name@example.com."), field=field
        ) from None
    return value


def clean_language(value) -> str:
    return value if value in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def check_event_open(event: Event, *, now: dt.datetime) -> None:
    if event.is_cancelled:
        raise RegistrationError("event_cancelled", _("This event has been cancelled."))
    if not event.registration_is_open(now):
        raise RegistrationError("registration_closed", _("Registration for this event is closed."))
