"""The Content-Security-Policy of the door pages: only our own origin, and WebAssembly for the QR decoder."""

from functools import wraps

DOOR_CSP = "; ".join(
    [
        "default-src 'self'",
        # The ZXing decoder is WebAssembly: compiling it needs 'wasm-unsafe-eval' (not 'unsafe-eval').
        "script-src 'self' 'wasm-unsafe-eval'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "media-src 'self' blob: mediastream:",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "manifest-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def door_csp(view):
    """Send DOOR_CSP with the view's response (pages, the service worker), unless the view set its own."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response.headers.setdefault("Content-Security-Policy", DOOR_CSP)
        return response

    return wrapped
