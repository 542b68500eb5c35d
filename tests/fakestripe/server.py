"""A small stand-in for the Stripe API on 127.0.0.1, for the real stripe SDK to talk to in tests.

It knows what Rendezvous uses: Checkout Sessions (create, retrieve, expire), refunds, idempotency keys, a hosted
"Checkout" page with a Pay button, and signed webhook events built the way Stripe builds them. Tests drive the
state (pay, expire, fail) and can make the next requests fail.
"""

import copy
import hashlib
import hmac
import html
import json
import re
import secrets
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

API_VERSION = "2025-09-30.clover"
_KEY_PART = re.compile(r"([^\[\]]+)|\[([^\]]*)\]")


class StripeApiError(Exception):
    def __init__(self, status: int, message: str, *, type_: str = "invalid_request_error", code=None, param=None):
        super().__init__(message)
        self.status = status
        self.body = {"error": {"type": type_, "message": message, "code": code, "param": param}}


def parse_form(body: str) -> dict:
    """Stripe's form encoding (line_items[0][price_data][currency]=eur) back into nested dicts and lists."""
    root: dict = {}
    for key, value in parse_qsl(body, keep_blank_values=True):
        parts = [a or b for a, b in _KEY_PART.findall(key)]
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return _lists(root)


def _lists(node):
    if not isinstance(node, dict):
        return node
    node = {k: _lists(v) for k, v in node.items()}
    if node and all(k.isdigit() for k in node):
        return [node[k] for k in sorted(node, key=int)]
    return node


def _int(value, param: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise StripeApiError(400, f"Invalid integer: {value}", param=param) from None


class FakeStripe:
    """The fake's state and its HTTP server. `start()`, point the SDK at `base_url`, `stop()`."""

    def __init__(self, *, api_key: str = "sk_test_fake", webhook_secret: str = "whsec_fake"):  # noqa: S107 (fake)
        self.api_key = api_key
        self.webhook_secret = webhook_secret
        self.sessions: dict[str, dict] = {}
        self.refunds: dict[str, dict] = {}
        self.requests: list[tuple[str, str, str | None]] = []  # (method, path, idempotency key)
        # Where the hosted Checkout page sends its webhook after "Pay" (browser tests: the live server's endpoint).
        self.webhook_url: str | None = None
        self._idempotent: dict[str, tuple[str, int, bytes]] = {}
        self._failures: list[list] = []
        self._lock = threading.RLock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "FakeStripe":
        # A short poll interval keeps stop() (which waits for the next poll) from slowing every test down.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, name="fake-stripe", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    # What tests do to the state ------------------------------------------------------------------------------

    def fail_next(self, method: str, path_prefix: str, *, status: int = 500, times: int = 1, retry: bool = False):
        """Answer the next `times` matching requests with an error (`retry`: tell the SDK it may try again)."""
        with self._lock:
            self._failures.append([method.upper(), path_prefix, status, times, retry])

    def pay(self, session_id: str, *, settled: bool = True) -> dict:
        """The customer pays: the session completes, paid (or, `settled=False`, waiting for a bank debit)."""
        with self._lock:
            session = self._session(session_id)
            if session["status"] != "open":
                raise StripeApiError(400, "This Checkout Session is no longer open.")
            session["status"] = "complete"
            session["payment_status"] = "paid" if settled else "unpaid"
            session["payment_intent"] = "pi_" + secrets.token_hex(12)
            return copy.deepcopy(session)

    def settle(self, session_id: str, *, succeeded: bool = True) -> dict:
        """A delayed payment (bank debit) finally succeeds or fails."""
        with self._lock:
            session = self._session(session_id)
            session["payment_status"] = "paid" if succeeded else "unpaid"
            return copy.deepcopy(session)

    def expire(self, session_id: str) -> dict:
        with self._lock:
            session = self._session(session_id)
            if session["status"] == "open":
                session["status"] = "expired"
            return copy.deepcopy(session)

    def refunds_for(self, payment_intent: str) -> list[dict]:
        with self._lock:
            return [copy.deepcopy(r) for r in self.refunds.values() if r["payment_intent"] == payment_intent]

    def event(self, type_: str, session_id: str, *, event_id: str | None = None) -> bytes:
        """A webhook body as Stripe sends it: an event wrapping a snapshot of the session."""
        with self._lock:
            snapshot = copy.deepcopy(self._session(session_id))
        body = {
            "id": event_id or "evt_" + secrets.token_hex(12),
            "object": "event",
            "api_version": API_VERSION,
            "created": int(time.time()),
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "type": type_,
            "data": {"object": snapshot},
        }
        return json.dumps(body, separators=(",", ":")).encode()

    def sign(self, payload: bytes, *, secret: str | None = None, timestamp: int | None = None) -> str:
        """The Stripe-Signature header: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the signing secret>."""
        timestamp = int(time.time()) if timestamp is None else timestamp
        signed = f"{timestamp}.".encode() + payload
        digest = hmac.new((secret or self.webhook_secret).encode(), signed, hashlib.sha256).hexdigest()
        return f"t={timestamp},v1={digest}"

    def send_webhook(self, type_: str, session_id: str) -> int:
        """POST a signed event to `webhook_url` over HTTP, as Stripe would; returns the status code."""
        payload = self.event(type_, session_id)
        request = urllib.request.Request(
            self.webhook_url,
            data=payload,
            method="POST",
            headers={"Content-Type": "application/json", "Stripe-Signature": self.sign(payload)},
        )
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(request, timeout=30) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code

    # The API ---------------------------------------------------------------------------------------------------

    def _session(self, session_id: str) -> dict:
        session = self.sessions.get(session_id)
        if session is None:
            raise StripeApiError(404, f"No such checkout.session: '{session_id}'", code="resource_missing", param="id")
        if session["status"] == "open" and time.time() >= session["expires_at"]:
            session["status"] = "expired"
        return session

    def _take_failure(self, method: str, path: str):
        with self._lock:
            for failure in self._failures:
                if failure[0] == method and path.startswith(failure[1]) and failure[3] > 0:
                    failure[3] -= 1
                    return failure[2], failure[4]
        return None

    def handle_api(self, method: str, path: str, headers, body: str) -> tuple[int, dict, dict]:
        """(status, JSON body, extra headers) for one API request."""
        key = headers.get("Idempotency-Key")
        with self._lock:
            self.requests.append((method, path, key))
        failure = self._take_failure(method, path)
        if failure is not None:
            status, retry = failure
            body_ = {"error": {"type": "api_error", "message": "The fake Stripe was told to fail."}}
            return status, body_, {"Stripe-Should-Retry": "true" if retry else "false"}
        if headers.get("Authorization") != f"Bearer {self.api_key}":
            return 401, StripeApiError(401, "Invalid API Key provided.").body, {}
        if method == "POST" and key:
            with self._lock:
                seen = self._idempotent.get(key)
                if seen is not None:
                    if seen[0] != f"{path}?{body}":
                        error = StripeApiError(
                            400, "Keys for idempotent requests can only be used with the same parameters.",
                            type_="idempotency_error",
                        )  # fmt: skip
                        return 400, error.body, {}
                    return seen[1], json.loads(seen[2]), {"Idempotent-Replayed": "true"}
                status, result = self._route(method, path, body)
                self._idempotent[key] = (f"{path}?{body}", status, json.dumps(result).encode())
                return status, result, {}
        return (*self._route(method, path, body), {})

    def _route(self, method: str, path: str, body: str) -> tuple[int, dict]:
        try:
            with self._lock:
                if method == "POST" and path == "/v1/checkout/sessions":
                    return 200, self._create_session(parse_form(body))
                match = re.fullmatch(r"/v1/checkout/sessions/([\w-]+)(/expire)?", path)
                if match and method == "GET" and not match.group(2):
                    return 200, copy.deepcopy(self._session(match.group(1)))
                if match and method == "POST" and match.group(2):
                    session = self._session(match.group(1))
                    if session["status"] != "open":
                        raise StripeApiError(
                            400, 'Only Checkout Sessions with a status in ["open"] can be expired.', param="session"
                        )
                    session["status"] = "expired"
                    return 200, copy.deepcopy(session)
                if method == "POST" and path == "/v1/refunds":
                    return 200, self._create_refund(parse_form(body))
        except StripeApiError as exc:
            return exc.status, exc.body
        return 404, StripeApiError(404, f"Unrecognized request URL ({method}: {path}).").body

    def _create_session(self, params: dict) -> dict:
        if params.get("mode") != "payment":
            raise StripeApiError(400, "Only mode=payment is faked.", param="mode")
        for url in ("success_url", "cancel_url"):
            if not str(params.get(url, "")).startswith(("http://", "https://")):
                raise StripeApiError(400, f"Not a valid URL: {url}", param=url)
        lines = params.get("line_items")
        if not isinstance(lines, list) or not lines:
            raise StripeApiError(400, "line_items is required in payment mode.", param="line_items")
        currencies, amount_total = set(), 0
        for i, line in enumerate(lines):
            price = line.get("price_data") or {}
            if not (price.get("product_data") or {}).get("name"):
                raise StripeApiError(400, "Missing product name.", param=f"line_items[{i}][price_data][product_data]")
            unit, quantity = _int(price.get("unit_amount"), "unit_amount"), _int(line.get("quantity"), "quantity")
            if unit < 0 or quantity < 1:
                raise StripeApiError(400, "Invalid amount or quantity.", param=f"line_items[{i}]")
            currencies.add(price.get("currency"))
            amount_total += unit * quantity
        if len(currencies) != 1 or not re.fullmatch(r"[a-z]{3}", str(next(iter(currencies)))):
            raise StripeApiError(400, "All line items must share one lower-case currency.", param="line_items")
        now = int(time.time())
        expires_at = _int(params.get("expires_at", now + 86400), "expires_at")
        if not now + 1800 <= expires_at <= now + 86400:
            raise StripeApiError(
                400, "The `expires_at` timestamp must be between 30 minutes and 24 hours from now.", param="expires_at"
            )
        session_id = "cs_test_" + secrets.token_urlsafe(24).replace("-", "a").replace("_", "b")
        session = {
            "id": session_id,
            "object": "checkout.session",
            "mode": "payment",
            "url": f"{self.base_url}/pay/{session_id}",
            "status": "open",
            "payment_status": "unpaid",
            "payment_intent": None,
            "metadata": params.get("metadata") or {},
            "client_reference_id": params.get("client_reference_id"),
            "customer_email": params.get("customer_email"),
            "locale": params.get("locale"),
            "expires_at": expires_at,
            "created": now,
            "amount_total": amount_total,
            "currency": next(iter(currencies)),
            "success_url": params["success_url"],
            "cancel_url": params["cancel_url"],
            "livemode": False,
        }
        self.sessions[session_id] = session
        return copy.deepcopy(session)

    def _create_refund(self, params: dict) -> dict:
        intent = params.get("payment_intent")
        paid = [s for s in self.sessions.values() if s["payment_intent"] == intent and s["payment_status"] == "paid"]
        if not intent or not paid:
            raise StripeApiError(404, f"No such payment_intent: '{intent}'", code="resource_missing")
        session = paid[0]
        refunded = sum(r["amount"] for r in self.refunds.values() if r["payment_intent"] == intent)
        amount = _int(params.get("amount", session["amount_total"] - refunded), "amount")
        if amount <= 0 or refunded + amount > session["amount_total"]:
            raise StripeApiError(400, "Refund amount is greater than the unrefunded amount.", code="amount_too_large")
        refund = {
            "id": "re_" + secrets.token_hex(12),
            "object": "refund",
            "amount": amount,
            "currency": session["currency"],
            "payment_intent": intent,
            "status": "succeeded",
            "metadata": params.get("metadata") or {},
            "created": int(time.time()),
        }
        self.refunds[refund["id"]] = refund
        return copy.deepcopy(refund)

    # The hosted Checkout page ----------------------------------------------------------------------------------

    def checkout_page(self, session_id: str) -> tuple[int, str]:
        with self._lock:
            session = self.sessions.get(session_id)
            state = None if session is None else self._session(session_id)["status"]
        if session is None:
            return 404, _page("Unknown session", "<p>This payment page does not exist.</p>")
        if state != "open":
            return 410, _page("Closed", "<p>This payment page has expired or was already paid.</p>")
        amount = f"{session['amount_total'] / 100:.2f} {session['currency'].upper()}"
        body = (
            f"<h1>Fake Stripe Checkout</h1><p>Amount due: <strong>{html.escape(amount)}</strong></p>"
            f'<form method="post" action="/pay/{html.escape(session_id)}"><button type="submit">Pay</button></form>'
            f'<p><a href="{html.escape(session["cancel_url"])}">Cancel</a></p>'
        )
        return 200, _page("Pay", body)

    def checkout_submit(self, session_id: str) -> str:
        """Pay from the hosted page; tell the site (when `webhook_url` is set); return where to send the browser."""
        session = self.pay(session_id)
        if self.webhook_url:
            self.send_webhook("checkout.session.completed", session_id)
        return session["success_url"].replace("{CHECKOUT_SESSION_ID}", session_id)


def _page(title: str, body: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title></head><body>{body}</body></html>"
    )


def _make_handler(fake: FakeStripe):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format, *args):  # noqa: A002 (the base class's name)
            pass

        def _body(self) -> str:
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length).decode() if length else ""

        def _send(self, status: int, body: bytes, content_type: str, headers: dict | None = None):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Request-Id", "req_" + secrets.token_hex(8))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def _dispatch(self, method: str):
            url = urlsplit(self.path)
            body = self._body()
            if url.path.startswith("/pay/"):
                session_id = url.path.removeprefix("/pay/")
                if method == "GET":
                    status, page = fake.checkout_page(session_id)
                    return self._send(status, page.encode(), "text/html; charset=utf-8")
                try:
                    target = fake.checkout_submit(session_id)
                except StripeApiError:
                    status, page = fake.checkout_page(session_id)
                    return self._send(status, page.encode(), "text/html; charset=utf-8")
                return self._send(303, b"", "text/plain", {"Location": target})
            if method == "GET" and url.query:
                body = url.query
            status, result, headers = fake.handle_api(method, url.path, self.headers, body)
            self._send(status, json.dumps(result).encode(), "application/json", headers)

        def do_GET(self):
            self._dispatch("GET")

        def do_POST(self):
            self._dispatch("POST")

    return Handler
