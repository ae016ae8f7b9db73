"""Create Contact: token authentication, staff or admin only, JSON bodies only (the
project's REST_FRAMEWORK settings)."""

from __future__ import annotations

from rest_framework import generics

from .serializers import ContactSerializer


class CreateContact(generics.CreateAPIView):
    serializer_class = ContactSerializer
