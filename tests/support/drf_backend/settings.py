"""The fixture's Django settings: the smallest project that serves the contract."""

from __future__ import annotations

import os
from pathlib import Path

SECRET_KEY = "a test fixture's key, never deployed"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
USE_TZ = True
TIME_ZONE = "UTC"
ROOT_URLCONF = "tests.support.drf_backend.urls"
WSGI_APPLICATION = None
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "rest_framework",
    "rest_framework.authtoken",
    "tests.support.drf_backend.contacts",
]
# DRF's defaults where the decisions differ (`--drf-defaults`): the stock serializer, and
# no body limit, as a backend that never read docs/decisions.md.
DRF_DEFAULTS = os.environ.get("DRF_BACKEND_DEFAULTS") == "1"
MIDDLEWARE = [] if DRF_DEFAULTS else ["tests.support.drf_backend.middleware.body_limit"]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        # A temporary directory of the start script's (see __main__).
        "NAME": Path(os.environ.get("DRF_BACKEND_DATA", ".")) / "db.sqlite3",
    }
}
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.TokenAuthentication"],
    # is_staff; a superuser is staff too (the "Staff or Admin" of the spec).
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAdminUser"],
    # Anything but JSON gets DRF's 415.
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
}
