"""Free unpaid holds and unclaimed offers that ran out, and retry refunds: for cron, where no task can wait."""

from django.core.management.base import BaseCommand

from attendees.services import expire_offers, release_expired_holds
from attendees.services.payments import retry_pending_refunds
from attendees.services.waitinglist import offer_free_places


class Command(BaseCommand):
    help = (
        "Free the seats of expired payments and waiting-list offers, offer free places to people waiting, "
        "retry refunds Stripe has not accepted."
    )

    def handle(self, *args, **options):
        holds = release_expired_holds()
        offers = expire_offers()
        offered = offer_free_places()
        refunds = retry_pending_refunds()
        self.stdout.write(
            f"{holds} holds released, {offers} offers expired, {offered} offers made, {refunds} refunds sent"
        )
