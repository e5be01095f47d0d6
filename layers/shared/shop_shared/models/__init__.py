"""Pydantic models at the API edge, one module per service, common field types in `common`."""
