"""Tests of the redis layer."""
