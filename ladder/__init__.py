"""Ladder: the escalation and cancellation desk.

Domain apps: ``tenancy`` (organizations, staff, roles, calendars), ``customers``,
``cases``. Interface apps: ``api`` (django-ninja) and ``ops`` (commands). Domain apps
never import the interface apps.
"""
