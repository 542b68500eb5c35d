"""The page that asks before an action that cannot be undone (delete, erase): the apps' pages share it."""

from django.shortcuts import render


def confirm_page(request, *, title, message, action_label, cancel_url, danger=False, context=None):
    """Ask before a POST-only action: the page's form posts back to the same address. `context` adds what the
    page's layout needs (the community and the tab of an organiser page)."""
    return render(
        request,
        "manage/confirm.html",
        {
            "title": title,
            "message": message,
            "action_label": action_label,
            "cancel_url": cancel_url,
            "danger": danger,
            **(context or {}),
        },
    )
