"""The home-care outcomes portal. The application is made by ``create_app`` (portal/app.py)."""

from portal.app import create_app

__all__ = ["create_app"]
