"""The project's own tests (a package, so that tests can share helpers under tox too)."""
