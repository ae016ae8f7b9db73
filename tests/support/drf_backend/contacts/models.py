"""The spec's Contact, with its limits (docs/decisions.md, "Request body")."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import timezone


class Contact(models.Model):
    subject = models.CharField(max_length=255)
    # A TextField with the contact form's cap: max_length is enforced by the serializer.
    message = models.TextField(max_length=10000, blank=True)
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150, blank=True)
    email = models.EmailField(max_length=254, blank=True)
    mobile_number = models.CharField(max_length=32, blank=True)
    viewed = models.BooleanField(default=False)
    viewed_at = models.DateTimeField(null=True, blank=True)
    # Not auto_now_add/auto_now: they read the clock twice, and the contract wants
    # created_at equal to updated_at on creation, to the microsecond.
    created_at = models.DateTimeField(editable=False)
    updated_at = models.DateTimeField(editable=False)

    def save(self, *args: Any, **kwargs: Any) -> None:
        now = timezone.now()
        if self._state.adding:
            self.created_at = now
        self.updated_at = now
        super().save(*args, **kwargs)
