"""Credential handling: password hashing."""
