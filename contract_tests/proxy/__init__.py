"""The validating proxy: the contract suite's oracle and checks on a real backend's live traffic.

    contacts-contract proxy --upstream https://staging.example.com --token KEY=staff

or, as a library, `create_proxy(ProxySettings(upstream=...))`: an ASGI app.
"""

from contract_tests.proxy.app import ValidatingProxy, create_proxy
from contract_tests.proxy.settings import ProxySettings

__all__ = ["ProxySettings", "ValidatingProxy", "create_proxy"]
