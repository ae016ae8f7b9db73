"""A property-based contract suite for the Contacts API, built on Schemathesis and Hypothesis."""

__version__ = "0.1.0"
