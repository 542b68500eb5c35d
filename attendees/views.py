"""Registration endpoints; for now the Stripe webhook (the fan and organiser pages come next)."""

import logging

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from attendees.services.payments import InvalidWebhook, StripeUnavailable, handle_stripe_webhook

logger = logging.getLogger(__name__)


@csrf_exempt  # Stripe cannot send a CSRF token; the signature on the raw body authenticates the request
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    try:
        outcome = handle_stripe_webhook(payload=request.body, sig_header=request.headers.get("Stripe-Signature"))
    except InvalidWebhook as exc:
        logger.warning("Refused a Stripe webhook: %s", exc)
        return HttpResponse("invalid signature or body", status=400, content_type="text/plain")
    except StripeUnavailable:
        # Not processed: a non-2xx answer makes Stripe deliver the event again later.
        return HttpResponse("try again later", status=503, content_type="text/plain")
    return HttpResponse(outcome, content_type="text/plain")
