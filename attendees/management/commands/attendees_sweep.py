"""The periodic sweep, for cron: free expired holds and offers, retry refunds, send unsent e-mails and reminders,
clear cancelled events whose cancellation task was lost, link tickets no task linked to fans, and count the
no-shows of events that have just ended."""

import datetime as dt

from django.core.management.base import BaseCommand
from django.utils import timezone

from attendees import emails
from attendees.services import expire_offers, fans, release_expired_holds
from attendees.services.orders import cancel_orders_of_cancelled_events
from attendees.services.payments import retry_pending_refunds
from attendees.services.waitinglist import offer_free_places

RECOUNT_WINDOW = dt.timedelta(days=2)


class Command(BaseCommand):
    help = (
        "Free the seats of expired payments and waiting-list offers, offer free places to people waiting, "
        "retry refunds Stripe has not accepted, send the e-mails left unsent and the reminders that are due, "
        "cancel the registrations of cancelled events whose cancellation task was lost, link tickets to fans, "
        "and recount the fans of events that ended lately (no-shows)."
    )

    def handle(self, *args, **options):
        cleared = cancel_orders_of_cancelled_events()
        holds = release_expired_holds()
        offers = expire_offers()
        offered = offer_free_places()
        refunds = retry_pending_refunds()
        sent = emails.send_pending()
        reminders = emails.send_due_reminders()
        linked = fans.link_unlinked()
        # Only fans whose numbers changed are written, so a window much wider than the sweep's period costs little.
        recounted = fans.recount_after_events_ended(since=timezone.now() - RECOUNT_WINDOW)
        self.stdout.write(
            f"{holds} holds released, {offers} offers expired, {offered} offers made, {refunds} refunds sent, "
            f"{sent} e-mails sent, {reminders} reminders sent, {cleared} cancelled events cleared, "
            f"{linked} orders linked to fans, {recounted} fans recounted"
        )
