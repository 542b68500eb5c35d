"""Creating and editing communities."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from events.models import Community, Membership
from events.services._common import (
    apply_changes,
    check_language,
    check_slug,
    check_time_zone,
    check_url,
    free_slug,
    optional_text,
    require_text,
)
from events.services.errors import EventError

# Words the site's own URLs use next to a community's slug (/manage/new/, /manage/invitations/...).
RESERVED_COMMUNITY_SLUGS = frozenset(
    {
        "about", "accounts", "admin", "api", "c", "calendar", "checkin", "communities", "door",
        "events", "feed", "feeds", "help", "i18n", "invitations", "login", "logout", "manage", "media", "my",
        "new", "robots", "signup", "sitemap", "static", "tickets",
    }
)  # fmt: skip
SLUG_MAX_LENGTH = Community._meta.get_field("slug").max_length
LINK_FIELDS = ("website_url", "mastodon_url", "bluesky_url", "linkedin_url", "instagram_url", "discord_url")
EDITABLE_FIELDS = frozenset({"name", "tagline", "description", "logo", "time_zone", "language", *LINK_FIELDS})


def _slug_taken(slug: str) -> bool:
    return Community.objects.filter(slug=slug).exists()


def suggest_community_slug(*, name: str) -> str:
    """A free slug made from the community's name (read-only: nothing is reserved)."""
    return free_slug(
        name, taken=_slug_taken, reserved=RESERVED_COMMUNITY_SLUGS, max_length=SLUG_MAX_LENGTH, fallback="community"
    )


def _clean_fields(fields: dict) -> dict:
    cleaned = {}
    for name, value in fields.items():
        if name == "name":
            cleaned[name] = require_text(
                value, field="name", code="name_required", message=_("Give the community a name."), max_length=120
            )
        elif name == "tagline":
            cleaned[name] = optional_text(value, field="tagline", max_length=200)
        elif name == "description":
            cleaned[name] = optional_text(value, field="description")
        elif name == "time_zone":
            cleaned[name] = check_time_zone(value)
        elif name == "language":
            cleaned[name] = check_language(value)
        elif name in LINK_FIELDS:
            cleaned[name] = check_url(value, field=name)
        elif name == "logo":
            cleaned[name] = value or ""
        else:  # pragma: no cover - a programming error, not bad input
            raise TypeError(f"update_community() got an unexpected field {name!r}")
    return cleaned


@transaction.atomic
def create_community(
    *,
    user,
    name: str,
    slug: str = "",
    tagline: str = "",
    description: str = "",
    logo=None,
    time_zone: str = "Europe/Paris",
    language: str = "en",
    website_url: str = "",
    mastodon_url: str = "",
    bluesky_url: str = "",
    linkedin_url: str = "",
    instagram_url: str = "",
    discord_url: str = "",
) -> Community:
    """Create a community and make `user` its first organiser. A blank slug is made from the name."""
    fields = _clean_fields(
        {
            "name": name,
            "tagline": tagline,
            "description": description,
            "time_zone": time_zone,
            "language": language,
            "website_url": website_url,
            "mastodon_url": mastodon_url,
            "bluesky_url": bluesky_url,
            "linkedin_url": linkedin_url,
            "instagram_url": instagram_url,
            "discord_url": discord_url,
        }
    )
    if (slug or "").strip():
        slug = check_slug(slug, reserved=RESERVED_COMMUNITY_SLUGS, max_length=SLUG_MAX_LENGTH)
        if _slug_taken(slug):
            raise _slug_taken_error(slug, fields["name"])
    else:
        slug = suggest_community_slug(name=fields["name"])
    now = timezone.now()
    try:
        # A savepoint, so that losing a race for the slug leaves the outer transaction usable.
        with transaction.atomic():
            community = Community.objects.create(slug=slug, created_at=now, updated_at=now, **fields)
    except IntegrityError:
        raise _slug_taken_error(slug, fields["name"]) from None
    if logo:
        community.logo = logo
        community.save(update_fields=["logo"])
    Membership.objects.create(community=community, user=user, role=Membership.Role.ORGANISER, created_at=now)
    return community


def _slug_taken_error(slug: str, name: str) -> EventError:
    suggestion = suggest_community_slug(name=slug or name)
    return EventError(
        "slug_taken",
        _("“%(slug)s” is already taken by another community. “%(suggestion)s” is free.")
        % {"slug": slug, "suggestion": suggestion},
        field="slug",
    )


@transaction.atomic
def update_community(*, community: Community, **fields) -> Community:
    """Change the given fields of a community. The slug never changes: links and calendar feeds use it.

    `logo` takes an (already re-encoded) image file, or "" to remove the logo.
    """
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"update_community() got unexpected fields {sorted(unknown)}")
    cleaned = _clean_fields(fields)
    locked = Community.objects.select_for_update().get(pk=community.pk)
    logo = cleaned.pop("logo", None)
    changed = apply_changes(locked, cleaned)
    if logo is not None and (logo or locked.logo):
        locked.logo = logo
        changed.append("logo")
    locked.updated_at = timezone.now()
    locked.save(update_fields=[*changed, "updated_at"])
    return locked
