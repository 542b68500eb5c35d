"""How accounts appear on the site: people are known by their e-mail address, never by a username."""


def user_display(user) -> str:
    """allauth's ACCOUNT_USER_DISPLAY: the e-mail address (allauth generates usernames nobody should see)."""
    return user.email or str(user.pk)
