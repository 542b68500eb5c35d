"""Every write that matters for communities, members, venues, events, ticket types and series.

Keyword-only functions, one transaction each, raising EventError(code, message) when they refuse.
Views, admin actions and management commands call these; nothing else writes these rows.
"""

from events.services.communities import create_community, suggest_community_slug, update_community
from events.services.errors import EventError
from events.services.event import (
    cancel_event,
    create_event,
    delete_event,
    publish_event,
    suggest_event_slug,
    unpublish_event,
    update_event,
)
from events.services.members import (
    accept_invitation,
    change_role,
    invitation_problem,
    invite_member,
    remove_member,
    revoke_invitation,
)
from events.services.series import create_series, propose_series_dates
from events.services.tickets import create_ticket_type, delete_ticket_type, move_ticket_type, update_ticket_type
from events.services.venues import create_venue, delete_venue, update_venue

__all__ = [
    "EventError",
    "accept_invitation",
    "cancel_event",
    "change_role",
    "create_community",
    "create_event",
    "create_series",
    "create_ticket_type",
    "create_venue",
    "delete_event",
    "delete_ticket_type",
    "delete_venue",
    "invitation_problem",
    "invite_member",
    "move_ticket_type",
    "propose_series_dates",
    "publish_event",
    "remove_member",
    "revoke_invitation",
    "suggest_community_slug",
    "suggest_event_slug",
    "unpublish_event",
    "update_community",
    "update_event",
    "update_ticket_type",
    "update_venue",
]
