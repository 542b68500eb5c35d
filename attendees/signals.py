"""Orders placed without an account join the account of the same (verified) e-mail address when its owner logs
in or confirms the address: allauth's signals, since allauth must not know about orders."""

from allauth.account.signals import email_confirmed, user_logged_in

from attendees.services import claim_orders_for_user


def _on_login(sender, request, user, **kwargs):
    claim_orders_for_user(user=user)


def _on_email_confirmed(sender, request, email_address, **kwargs):
    if email_address.user_id is not None:
        claim_orders_for_user(user=email_address.user)


def connect() -> None:
    user_logged_in.connect(_on_login, dispatch_uid="attendees.claim_orders_on_login")
    email_confirmed.connect(_on_email_confirmed, dispatch_uid="attendees.claim_orders_on_email_confirmed")
