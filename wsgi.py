"""The WSGI entry point: ``gunicorn wsgi:app`` in production, ``flask run`` locally."""

from portal import create_app

app = create_app()
