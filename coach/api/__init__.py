"""The HTTP service: `create_app(settings)` builds the FastAPI app that `okr-coach serve` runs."""

from coach.api.app import create_app

__all__ = ["create_app"]
