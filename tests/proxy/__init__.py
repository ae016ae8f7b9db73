"""Tests of the proxy layer."""
