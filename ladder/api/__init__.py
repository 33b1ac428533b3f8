"""The REST API (django-ninja) under /api/v1/. Interface code only: every write calls
an action in a domain app."""
