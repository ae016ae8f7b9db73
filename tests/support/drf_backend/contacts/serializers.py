"""The Contact serializers: the spec's fields, the server-set ones read-only; DRF's
defaults as they come, and the one that follows docs/decisions.md where they differ."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from django.db import models
from rest_framework import serializers

from .fields import StrictCharField, StrictEmailField
from .models import Contact


class StockContactSerializer(serializers.ModelSerializer):
    """What `ModelSerializer` does by itself: trims text, takes numbers as text, ignores
    unknown properties (the contract refuses all three)."""

    class Meta:
        model = Contact
        fields = (
            "id",
            "subject",
            "message",
            "first_name",
            "last_name",
            "email",
            "mobile_number",
            "viewed",
            "viewed_at",
            "created_at",
            "updated_at",
        )
        read_only_fields = ("id", "viewed", "viewed_at", "created_at", "updated_at")


class ContactSerializer(StockContactSerializer):
    """The contract's: strings only, stored as sent (fields.py), a subject of whitespace
    and unknown properties refused."""

    serializer_field_mapping: ClassVar[dict[type[models.Field], type[serializers.Field]]] = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: StrictCharField,
        models.TextField: StrictCharField,
        models.EmailField: StrictEmailField,
    }

    def validate_subject(self, value: str) -> str:
        # Untrimmed, a subject of spaces would pass allow_blank=False.
        if not value.strip():
            raise serializers.ValidationError(self.fields["subject"].error_messages["blank"])
        return value

    def to_internal_value(self, data: Any) -> Any:
        # DRF ignores properties it does not know; the contract rejects them, so that a
        # typo (`firstname`) is not stored without its value.
        unknown = {}
        if isinstance(data, Mapping):
            writable = {name for name, f in self.fields.items() if not f.read_only}
            unknown = {key: ["Unknown field."] for key in data if key not in writable}
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as error:
            if unknown and isinstance(error.detail, dict):
                raise serializers.ValidationError({**unknown, **error.detail}) from None
            raise
        if unknown:
            raise serializers.ValidationError(unknown)
        return value
