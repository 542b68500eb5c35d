"""Checks shared by the organiser services; each raises EventError with a message for the form field."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_slug
from django.db.models import Model
from django.utils.text import slugify
from django.utils.translation import gettext as _

from events.services.errors import EventError
from events.services.localtime import get_zone

_url_validator = URLValidator(schemes=["http", "https"])


def require_text(value, *, field: str, code: str, message: str, max_length: int) -> str:
    value = (value or "").strip()
    if not value:
        raise EventError(code, message, field=field)
    if len(value) > max_length:
        raise EventError("too_long", _("Keep it under %(max)d characters.") % {"max": max_length + 1}, field=field)
    return value


def optional_text(value, *, field: str, max_length: int | None = None) -> str:
    value = (value or "").strip()
    if max_length is not None and len(value) > max_length:
        raise EventError("too_long", _("Keep it under %(max)d characters.") % {"max": max_length + 1}, field=field)
    return value


def check_url(value, *, field: str) -> str:
    """An http(s) address or the empty string; anything else (javascript:, typos) is refused."""
    value = (value or "").strip()
    if not value:
        return ""
    try:
        _url_validator(value)
    except ValidationError:
        raise EventError(
            "url_invalid", _("Enter a full web address starting with https:// or http://."), field=field
        ) from None
    return value


def check_time_zone(name, *, field: str = "time_zone") -> str:
    if get_zone(name) is None or "/" not in name:
        raise EventError("time_zone_invalid", _("Choose a time zone from the list."), field=field)
    return name


def check_language(code) -> str:
    if code not in dict(settings.LANGUAGES):
        raise EventError("language_invalid", _("Choose a language from the list."), field="language")
    return code


def check_aware(value, *, field: str):
    if value is not None and (value.tzinfo is None or value.utcoffset() is None):
        raise EventError("time_invalid", _("Enter a valid date and time."), field=field)
    return value


def check_slug(value: str, *, reserved: frozenset[str], max_length: int) -> str:
    value = (value or "").strip().lower()
    try:
        validate_slug(value)
    except ValidationError:
        raise EventError(
            "slug_invalid",
            _("Use only lowercase letters, digits and hyphens (for example: paris-python)."),
            field="slug",
        ) from None
    if len(value) > max_length:
        raise EventError(
            "slug_too_long", _("Keep it under %(max)d characters.") % {"max": max_length + 1}, field="slug"
        )
    if value in reserved:
        raise EventError(
            "slug_reserved", _("“%(slug)s” is reserved, choose another one.") % {"slug": value}, field="slug"
        )
    return value


def free_slug(base: str, *, taken, reserved: frozenset[str], max_length: int, fallback: str) -> str:
    """`base` slugified, with -2, -3... appended until `taken(slug)` is False."""
    base = slugify(base)[:max_length].strip("-") or fallback
    candidate = base
    n = 2
    while candidate in reserved or taken(candidate):
        suffix = f"-{n}"
        candidate = f"{base[: max_length - len(suffix)].rstrip('-')}{suffix}"
        n += 1
    return candidate


def apply_changes(instance: Model, changes: dict) -> list[str]:
    """Set the fields that differ and return their names (in the order given)."""
    changed = []
    for name, value in changes.items():
        if getattr(instance, name) != value:
            setattr(instance, name, value)
            changed.append(name)
    return changed
