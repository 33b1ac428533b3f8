"""A plug-in app for the worker tests, loaded into real `ladder worker` processes with
LADDER_EXTRA_APPS=tests.worker_app: a deadline kind whose effect the tests can count
and slow down, and the local peers (SMTP, HTTP) that speak the real protocols."""
