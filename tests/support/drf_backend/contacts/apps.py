from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "tests.support.drf_backend.contacts"
    label = "contacts"
    default_auto_field = "django.db.models.BigAutoField"
