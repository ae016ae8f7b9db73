"""A stateful mock of the Contacts API, driven by spec/openapi.yaml.

The names below are what a program may rely on; the modules they come from are the
mock's own layout and may change:

    from mock_server import EmbeddedMock, Settings

    with EmbeddedMock(Settings(tokens={"k": "staff"})) as mock:
        ...  # mock.url serves the contract until the block ends
"""

import warnings

# Connexion imports starlette.testclient, which warns about httpx on every start-up;
# the mock never uses that client.
warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")

from mock_server.app import MockApp, create_app  # noqa: E402
from mock_server.embedded import EmbeddedMock  # noqa: E402
from mock_server.server import MockServer, ServeError  # noqa: E402
from mock_server.settings import DEFAULT_TOKENS, Settings  # noqa: E402

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_TOKENS",
    "EmbeddedMock",
    "MockApp",
    "MockServer",
    "ServeError",
    "Settings",
    "__version__",
    "create_app",
]
