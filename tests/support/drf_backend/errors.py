"""A server error in the contract's JSON; Django's stock 500 page is HTML."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse


def server_error(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"detail": "A server error occurred."}, status=500)
