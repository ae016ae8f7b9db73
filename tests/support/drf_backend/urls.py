from django.urls import re_path

from .contacts.views import CreateContact

handler500 = "tests.support.drf_backend.errors.server_error"

urlpatterns = [
    # The canonical path and the document's heading path without the slash, one view:
    # with APPEND_SLASH the second would be a redirect a POST does not survive.
    re_path(r"^api/contacts/?$", CreateContact.as_view()),
]
