"""Helpers the tests share: each test module imports from here, never from another test module."""
