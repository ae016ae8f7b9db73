"""Create Contact: token authentication, staff or admin only, JSON bodies only (the
project's REST_FRAMEWORK settings)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework import generics

from .serializers import ContactSerializer, StockContactSerializer


class CreateContact(generics.CreateAPIView):
    def get_serializer_class(self) -> Any:
        return StockContactSerializer if settings.DRF_DEFAULTS else ContactSerializer
