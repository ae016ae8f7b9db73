"""A real Django REST Framework backend of the contract, as a test fixture: what the
contract suite and `contacts-contract compare` are measured against besides the mock.

    python -m tests.support.drf_backend [--port N] [--drf-defaults]

It migrates a fresh SQLite database in a temporary directory, creates the mock's three
default accounts and keys (`staff-token`, `admin-token`, `user-token`), and serves
`POST /api/contacts/` on 127.0.0.1 with Django's own WSGI server, one request at a time.
It prints `API: http://127.0.0.1:PORT/` once it listens, and stops on Ctrl-C (SIGINT),
removing the database. `--drf-defaults` serves DRF's defaults where docs/decisions.md
differs from them (text trimmed, numbers taken as text, unknown properties ignored, no
413): a backend the suite must fail.
"""
