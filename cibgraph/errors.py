"""Errors that the CLI, the API and the views share."""

from __future__ import annotations


class NotFound(LookupError):
    """No group, account or other subject with the id asked for (the API answers 404)."""
