"""A stateful mock of the Contacts API, driven by spec/openapi.yaml."""

import warnings

# Connexion imports starlette.testclient, which warns about httpx on every start-up;
# the mock never uses that client.
warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")

__version__ = "0.1.0"
