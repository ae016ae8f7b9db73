"""A property-based contract suite for the Contacts API, built on Schemathesis and Hypothesis."""
