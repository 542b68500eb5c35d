"""Members of a community: invitations by e-mail, roles, removal; a community always keeps an organiser."""

import datetime as dt
import functools
import secrets

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from events.models import Community, Invitation, Membership
from events.services.errors import EventError

# Long enough to reach someone on holiday, short enough that a forgotten link stops working.
INVITATION_VALID_FOR = dt.timedelta(days=30)


def _check_role(role: str) -> str:
    if role not in Membership.Role.values:
        raise EventError("role_invalid", _("Choose a role from the list."), field="role")
    return role


def _lock_community(community_id: int) -> Community:
    """Lock the community row: membership changes of one community happen one at a time."""
    return Community.objects.select_for_update().get(pk=community_id)


def _last_organiser_error() -> EventError:
    return EventError(
        "last_organiser",
        _("A community needs at least one organiser: make someone else an organiser first."),
        field="role",
    )


@transaction.atomic
def invite_member(*, community: Community, email: str, role: str, invited_by) -> Invitation:
    """Invite `email` to join with `role`; a pending invitation to the same address is replaced."""
    email = (email or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        raise EventError("email_invalid", _("Enter a valid e-mail address."), field="email") from None
    email = email.lower()
    _check_role(role)
    _lock_community(community.pk)
    if Membership.objects.filter(community=community, user__email__iexact=email).exists():
        raise EventError(
            "already_member", _("%(email)s is already a member of this community.") % {"email": email}, field="email"
        )
    Invitation.objects.filter(community=community, email__iexact=email, accepted_at__isnull=True).delete()
    invitation = Invitation.objects.create(
        community=community,
        email=email,
        role=role,
        token=secrets.token_urlsafe(32),
        invited_by=invited_by,
        created_at=timezone.now(),
    )
    from events.tasks import send_invitation  # tasks import the services' modules

    transaction.on_commit(functools.partial(send_invitation.enqueue, invitation_id=invitation.pk))
    return invitation


def invitation_problem(invitation: Invitation | None, *, now=None) -> EventError | None:
    """Why this invitation cannot be accepted, or None when it can (pages use it to explain before a POST)."""
    now = now or timezone.now()
    if invitation is None:
        return EventError(
            "invitation_unknown", _("This invitation link is not valid. Check that you copied all of it.")
        )
    if invitation.accepted_at is not None:
        return EventError("invitation_used", _("This invitation has already been used."))
    if invitation.created_at < now - INVITATION_VALID_FOR:
        return EventError(
            "invitation_expired",
            _("This invitation has expired. Ask an organiser of the community to invite you again."),
        )
    return None


@transaction.atomic
def accept_invitation(*, token: str, user) -> Membership:
    """Make `user` a member with the invitation's role; the invitation cannot be used again.

    An invitation never lowers a role: an organiser who accepts a volunteer invitation stays organiser.
    """
    invitation = Invitation.objects.select_for_update().filter(token=token or "").first()
    problem = invitation_problem(invitation)
    if problem is not None:
        raise problem
    _lock_community(invitation.community_id)
    now = timezone.now()
    membership = Membership.objects.filter(community_id=invitation.community_id, user=user).first()
    if membership is None:
        membership = Membership.objects.create(
            community_id=invitation.community_id, user=user, role=invitation.role, created_at=now
        )
    elif membership.role != invitation.role and invitation.role == Membership.Role.ORGANISER:
        membership.role = invitation.role
        membership.save(update_fields=["role"])
    invitation.accepted_at = now
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    return membership


@transaction.atomic
def revoke_invitation(*, invitation: Invitation) -> None:
    """Withdraw a pending invitation: its link stops working at once."""
    locked = Invitation.objects.select_for_update().filter(pk=invitation.pk).first()
    if locked is None:
        return  # already revoked: doing it twice is harmless
    if locked.accepted_at is not None:
        raise EventError(
            "invitation_used", _("This invitation has already been accepted: change the member's role instead.")
        )
    locked.delete()


@transaction.atomic
def change_role(*, membership: Membership, role: str) -> Membership:
    """Give a member another role; the last organiser cannot be made a volunteer."""
    _check_role(role)
    _lock_community(membership.community_id)
    locked = Membership.objects.filter(pk=membership.pk).first()
    if locked is None:
        raise EventError("member_gone", _("This person is no longer a member of the community."))
    if locked.role == role:
        return locked
    if locked.role == Membership.Role.ORGANISER and _organiser_count(locked.community_id) <= 1:
        raise _last_organiser_error()
    locked.role = role
    locked.save(update_fields=["role"])
    return locked


@transaction.atomic
def remove_member(*, membership: Membership) -> None:
    """Take someone out of the community; the last organiser cannot be removed."""
    _lock_community(membership.community_id)
    locked = Membership.objects.filter(pk=membership.pk).first()
    if locked is None:
        return
    if locked.role == Membership.Role.ORGANISER and _organiser_count(locked.community_id) <= 1:
        raise _last_organiser_error()
    locked.delete()


def _organiser_count(community_id: int) -> int:
    return Membership.objects.filter(community_id=community_id, role=Membership.Role.ORGANISER).count()
