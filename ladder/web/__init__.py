"""The desk's pages: Django templates with htmx. Interface code only: every write calls
an action of a domain app, every shared read a query."""
