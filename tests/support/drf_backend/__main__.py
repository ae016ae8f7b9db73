"""Migrate, create the accounts, serve on 127.0.0.1 (see the package's docstring)."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.support.drf_backend")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument(
        "--drf-defaults", action="store_true", help="DRF's defaults where the decisions differ"
    )
    options = parser.parse_args()
    port = options.port
    with tempfile.TemporaryDirectory(prefix="drf-backend-") as data:
        os.environ["DRF_BACKEND_DATA"] = data
        os.environ["DRF_BACKEND_DEFAULTS"] = "1" if options.drf_defaults else "0"
        os.environ["DJANGO_SETTINGS_MODULE"] = "tests.support.drf_backend.settings"
        import django
        from django.core.management import call_command
        from django.core.servers.basehttp import run
        from django.core.wsgi import get_wsgi_application

        django.setup()
        call_command("migrate", verbosity=0)
        from .users import create_accounts

        create_accounts()

        def listening(bound: int) -> None:
            print(f"API: http://127.0.0.1:{bound}/", flush=True)

        try:
            run("127.0.0.1", port, get_wsgi_application(), threading=False, on_bind=listening)
        except KeyboardInterrupt:
            sys.exit(0)


if __name__ == "__main__":
    main()
