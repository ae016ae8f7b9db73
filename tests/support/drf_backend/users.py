"""The mock's three default accounts and keys, so that both sides take the same ones."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token

# username: (key, is_staff, is_superuser); the keys contacts-mock uses by default.
ACCOUNTS = {
    "staff": ("staff-token", True, False),
    "admin": ("admin-token", True, True),
    "user": ("user-token", False, False),
}


def create_accounts() -> None:
    model = get_user_model()
    for username, (key, staff, superuser) in ACCOUNTS.items():
        user = model.objects.create_user(username, is_staff=staff, is_superuser=superuser)
        # Token.key is the primary key (CharField(max_length=40)): set it, not generated.
        Token.objects.create(key=key, user=user)
