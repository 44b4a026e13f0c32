"""Test cases as data, shared by the unit tests and the integration tests."""
