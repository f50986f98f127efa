from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponsePermanentRedirect, JsonResponse
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and readiness for load balancers: 200 when the database answers, 503 when not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return JsonResponse(
            {"status": "error", "database": {"reachable": False, "error": exc.__class__.__name__}}, status=503
        )
    return JsonResponse({"status": "ok", "database": {"reachable": True, "vendor": connection.vendor}})


@require_GET
def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    """``/favicon.ico``, asked for by browsers on pages without an icon link (the back office, a PDF)."""
    return HttpResponsePermanentRedirect(static("img/favicon.svg"))
