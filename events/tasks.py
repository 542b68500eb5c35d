"""Background work of the events app: thin wrappers that take ids and call a function that is safe to repeat."""

from django_tasks import task

from events import emails


@task()
def send_invitation(*, invitation_id: int) -> bool:
    """E-mail an invitation; an invitation accepted or revoked meanwhile is skipped."""
    return emails.send_invitation(invitation_id=invitation_id)
