"""E-mails the organiser side sends: the invitation to join a community."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from events.models import Invitation


def invitation_url(invitation: Invitation) -> str:
    """The absolute link that accepts the invitation (e-mails need the full address)."""
    return settings.SITE_URL + reverse("manage:invitation_accept", kwargs={"token": invitation.token})


def send_invitation(*, invitation_id: int) -> bool:
    """Send the invitation e-mail, in the community's language. Returns False when there is nothing to send."""
    invitation = (
        Invitation.objects.select_related("community", "invited_by")
        .filter(pk=invitation_id, accepted_at__isnull=True)
        .first()
    )
    if invitation is None:
        return False  # revoked or accepted before the e-mail went out
    inviter = invitation.invited_by
    context = {
        "invitation": invitation,
        "community": invitation.community,
        "inviter_name": (inviter.get_full_name() or inviter.email) if inviter else "",
        "accept_url": invitation_url(invitation),
        "site_name": settings.SITE_NAME,
        "site_url": settings.SITE_URL,
    }
    with translation.override(invitation.community.language):
        context["role"] = invitation.get_role_display()
        subject = _("You are invited to join %(community)s on %(site)s") % {
            "community": invitation.community.name,
            "site": settings.SITE_NAME,
        }
        text = render_to_string("emails/invitation.txt", context)
        html = render_to_string("emails/invitation.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[invitation.email])
    message.attach_alternative(html, "text/html")
    message.send()
    return True
