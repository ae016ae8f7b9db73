"""Tests of the mock layer."""
