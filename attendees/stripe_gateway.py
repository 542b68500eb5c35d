"""The only module that talks to Stripe: Checkout Sessions, refunds and webhook signatures.

Everything here speaks Stripe's language (minor units, lower-case currencies, Unix times) and hands back plain
values; the services speak Decimal and ISO codes. Errors come out as `PaymentGatewayError`.
"""

import dataclasses
import datetime as dt
import json
import logging
import threading
from decimal import Decimal

import requests
import stripe
from django.conf import settings

logger = logging.getLogger(__name__)

WEBHOOK_TOLERANCE = 300  # seconds between Stripe signing an event and us accepting it
# Stripe's list of currencies without a minor unit; ours are all two-decimal, this keeps the conversion honest.
ZERO_DECIMAL_CURRENCIES = frozenset(
    {"BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF"}
)
# A buyer waits on the Checkout redirect: fail fast rather than after the SDK's default 80 seconds.
TIMEOUT = (5, 20)  # connect, read


class PaymentGatewayError(Exception):
    """Stripe could not be reached or refused the request; `retryable` when trying again later may work."""

    def __init__(self, message: str, *, retryable: bool = True):
        super().__init__(message)
        self.retryable = retryable


class InvalidWebhook(Exception):
    """A webhook whose signature, age or body we do not accept."""


@dataclasses.dataclass(frozen=True)
class CheckoutLine:
    name: str
    unit_amount: Decimal
    quantity: int


@dataclasses.dataclass(frozen=True)
class CheckoutSession:
    id: str
    url: str
    status: str  # open, complete, expired
    payment_status: str  # paid, unpaid, no_payment_required
    payment_intent_id: str
    order_id: str
    expires_at: dt.datetime
    amount_total: int  # minor units
    currency: str  # upper-case ISO code


@dataclasses.dataclass(frozen=True)
class WebhookEvent:
    id: str
    type: str
    object_type: str
    object_id: str


def is_configured() -> bool:
    return bool(settings.STRIPE_SECRET_KEY)


def to_minor_units(amount: Decimal, currency: str) -> int:
    exponent = 0 if currency.upper() in ZERO_DECIMAL_CURRENCIES else 2
    minor = Decimal(amount).scaleb(exponent)
    if minor != minor.to_integral_value():
        raise ValueError(f"{amount} {currency} has more decimals than the currency allows")
    return int(minor)


_local = threading.local()


def _client() -> stripe.StripeClient:
    """One client per thread (its requests session is not meant to be shared), rebuilt when the settings change."""
    config = (settings.STRIPE_SECRET_KEY, settings.STRIPE_API_BASE, getattr(settings, "STRIPE_MAX_NETWORK_RETRIES", 2))
    cached = getattr(_local, "client", None)
    if cached is not None and cached[0] == config:
        return cached[1]
    api_key, api_base, retries = config
    session = requests.Session()
    if api_base:
        # A local stand-in (tests, the benchmark): talk to it directly, whatever proxy the environment names.
        session.trust_env = False
    client = stripe.StripeClient(
        api_key,
        base_addresses={"api": api_base} if api_base else None,
        http_client=stripe.RequestsClient(timeout=TIMEOUT, session=session),
        max_network_retries=retries,
    )
    _local.client = (config, client)
    return client


def _gateway_error(exc: stripe.StripeError) -> PaymentGatewayError:
    retryable = isinstance(exc, stripe.APIConnectionError | stripe.RateLimitError | stripe.APIError)
    logger.warning("Stripe request failed: %s", exc)
    return PaymentGatewayError(str(exc) or exc.__class__.__name__, retryable=retryable)


def _session_from_stripe(session: stripe.StripeObject) -> CheckoutSession:
    obj = session.to_dict()  # StripeObject is no mapping since SDK v15: read a plain dict
    metadata = obj.get("metadata") or {}
    payment_intent = obj.get("payment_intent") or ""
    if not isinstance(payment_intent, str):  # expanded object
        payment_intent = payment_intent.get("id", "")
    return CheckoutSession(
        id=obj["id"],
        url=obj.get("url") or "",
        status=obj.get("status") or "",
        payment_status=obj.get("payment_status") or "",
        payment_intent_id=payment_intent,
        order_id=str(metadata.get("order_id") or obj.get("client_reference_id") or ""),
        expires_at=dt.datetime.fromtimestamp(obj["expires_at"], tz=dt.UTC),
        amount_total=int(obj.get("amount_total") or 0),
        currency=(obj.get("currency") or "").upper(),
    )


def create_checkout_session(
    *,
    order_id: int,
    reference: str,
    lines: list[CheckoutLine],
    currency: str,
    customer_email: str,
    locale: str,
    expires_at: dt.datetime,
    success_url: str,
    cancel_url: str,
    idempotency_key: str,
) -> CheckoutSession:
    metadata = {"order_id": str(order_id), "order_reference": reference}
    params = {
        "mode": "payment",
        "line_items": [
            {
                "quantity": line.quantity,
                "price_data": {
                    "currency": currency.lower(),
                    "unit_amount": to_minor_units(line.unit_amount, currency),
                    "product_data": {"name": line.name},
                },
            }
            for line in lines
        ],
        "client_reference_id": str(order_id),
        "metadata": metadata,
        "payment_intent_data": {"metadata": metadata},
        "customer_email": customer_email,
        "locale": locale if locale in ("en", "fr") else "auto",
        "expires_at": int(expires_at.timestamp()),
        "success_url": success_url,
        "cancel_url": cancel_url,
    }
    try:
        session = _client().v1.checkout.sessions.create(params=params, options={"idempotency_key": idempotency_key})
    except stripe.StripeError as exc:
        raise _gateway_error(exc) from exc
    return _session_from_stripe(session)


def retrieve_checkout_session(session_id: str) -> CheckoutSession:
    try:
        session = _client().v1.checkout.sessions.retrieve(session_id)
    except stripe.StripeError as exc:
        raise _gateway_error(exc) from exc
    return _session_from_stripe(session)


def expire_checkout_session(session_id: str) -> bool:
    """Close an open Checkout Session so nobody can pay it any more; False when it was not open."""
    try:
        _client().v1.checkout.sessions.expire(session_id)
    except stripe.InvalidRequestError:
        return False
    except stripe.StripeError as exc:
        raise _gateway_error(exc) from exc
    return True


def create_refund(
    *, payment_intent_id: str, idempotency_key: str, metadata: dict, amount: Decimal | None = None, currency: str = ""
) -> str:
    """Refund `amount` of a payment (all of what is left of it by default); returns the refund id.

    The same idempotency key never refunds twice."""
    params = {"payment_intent": payment_intent_id, "metadata": metadata}
    if amount is not None:
        params["amount"] = to_minor_units(amount, currency)
    try:
        refund = _client().v1.refunds.create(params=params, options={"idempotency_key": idempotency_key})
    except stripe.StripeError as exc:
        raise _gateway_error(exc) from exc
    return refund.id


def parse_webhook(*, payload: bytes, sig_header: str | None) -> WebhookEvent:
    """The event in a webhook body, after checking its signature and age with the SDK; InvalidWebhook otherwise."""
    try:
        stripe.WebhookSignature.verify_header(payload, sig_header, settings.STRIPE_WEBHOOK_SECRET, WEBHOOK_TOLERANCE)
        body = json.loads(payload)
    except (stripe.SignatureVerificationError, ValueError) as exc:  # ValueError covers bad UTF-8 and bad JSON
        raise InvalidWebhook(str(exc)) from exc
    obj = body.get("data", {}).get("object") if isinstance(body, dict) and isinstance(body.get("data"), dict) else None
    if not isinstance(obj, dict) or not all(isinstance(v, str) for v in (body.get("id"), body.get("type"))):
        raise InvalidWebhook("not a Stripe event")
    return WebhookEvent(
        id=body["id"], type=body["type"], object_type=str(obj.get("object", "")), object_id=str(obj.get("id", ""))
    )
