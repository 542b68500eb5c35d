"""Views that belong to no app: the health check."""

from django.http import HttpResponse
from django.views.decorators.http import require_GET


@require_GET
def healthz(request):
    """Answer "ok" with no database or template: the load balancer's probe and the benchmark's baseline."""
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")
