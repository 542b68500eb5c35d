"""The periodic sweep, for cron: free expired holds and offers, retry refunds, send unsent e-mails and reminders,
and clear cancelled events whose cancellation task was lost."""

from django.core.management.base import BaseCommand

from attendees import emails
from attendees.services import expire_offers, release_expired_holds
from attendees.services.orders import cancel_orders_of_cancelled_events
from attendees.services.payments import retry_pending_refunds
from attendees.services.waitinglist import offer_free_places


class Command(BaseCommand):
    help = (
        "Free the seats of expired payments and waiting-list offers, offer free places to people waiting, "
        "retry refunds Stripe has not accepted, send the e-mails left unsent and the reminders that are due, "
        "and cancel the registrations of cancelled events whose cancellation task was lost."
    )

    def handle(self, *args, **options):
        cleared = cancel_orders_of_cancelled_events()
        holds = release_expired_holds()
        offers = expire_offers()
        offered = offer_free_places()
        refunds = retry_pending_refunds()
        sent = emails.send_pending()
        reminders = emails.send_due_reminders()
        self.stdout.write(
            f"{holds} holds released, {offers} offers expired, {offered} offers made, {refunds} refunds sent, "
            f"{sent} e-mails sent, {reminders} reminders sent, {cleared} cancelled events cleared"
        )
