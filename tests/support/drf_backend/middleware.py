"""The body limit, before anything reads the body: what a front proxy's
client_max_body_size (nginx) does for a Django backend, answered in the contract's JSON."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

MAX_BODY_BYTES = 1024 * 1024  # the spec's x-max-body-bytes


def body_limit(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable[..., HttpResponse]:
    def middleware(request: HttpRequest) -> HttpResponse:
        declared = request.META.get("CONTENT_LENGTH") or "0"
        if not declared.isdigit() or int(declared) > MAX_BODY_BYTES:
            detail = f"Request body is larger than {MAX_BODY_BYTES} bytes."
            return JsonResponse({"detail": detail}, status=413)
        return get_response(request)

    return middleware
