"""Shared code for every shop Lambda: configuration, HTTP edge, auth, validation models and data access."""
