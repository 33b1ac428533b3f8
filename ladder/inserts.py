"""A new row and the new row that refers to it, in one round trip.

A case comes into being with its first timeline row, in the same transaction. With
the ORM that is two ``INSERT``s, each compiled from the model on every call and sent
on its own: on a two-core machine serving a few hundred creates a second, compiling
and sending them was a quarter of a request's Python time. :func:`insert_pair` sends
both as one statement on PostgreSQL (the first ``INSERT`` in a ``WITH``, the second
taking its id from it) whose text is built once a pair of models, and fills the
instances in as ``save()`` would have.

It writes what ``save()`` would write: every concrete field's ``pre_save`` value
turned into its database value by the field itself (money, JSON, times). It does not
call ``save()`` or send ``pre_save``/``post_save``: use it for rows that are only ever
inserted this way by code that knows it (Ladder connects no signal to these models).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Field, Model


@dataclass(frozen=True)
class _Plan:
    parent_fields: tuple[Field[Any, Any], ...]
    child_fields: tuple[Field[Any, Any], ...]  # without the link
    link: Field[Any, Any]
    together: str  # PostgreSQL: both in one statement
    parent_sql: str  # elsewhere: one, then the other
    child_sql: str


def _columns(model: type[Model], skip: str = "") -> tuple[Field[Any, Any], ...]:
    return tuple(
        f
        for f in model._meta.concrete_fields
        if not f.primary_key and f.name != skip and not getattr(f, "generated", False)
    )


@cache
def _plan(parent: type[Model], child: type[Model], link: str, alias: str) -> _Plan:
    quote = connections[alias].ops.quote_name
    link_field = child._meta.get_field(link)
    if not isinstance(link_field, Field) or link_field.related_model is not parent:
        raise ValueError(f"{child.__name__}.{link} is not a foreign key to {parent.__name__}")
    parent_fields = _columns(parent)
    child_fields = _columns(child, skip=link)

    link_column = quote(link_field.column)

    def insert(
        model: type[Model], fields: tuple[Field[Any, Any], ...], link_value: str = ""
    ) -> str:
        # Only names from the models' own metadata go into the SQL; values are parameters.
        names = [quote(f.column) for f in fields]
        values = ["%s"] * len(fields)
        returning = [quote(model._meta.pk.column)]
        if link_value:
            names.insert(0, link_column)
            values.insert(0, link_value)
            returning.append(link_column)
        return (
            f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(names)})"  # noqa: S608
            f" VALUES ({', '.join(values)}) RETURNING {', '.join(returning)}"
        )

    parent_sql = insert(parent, parent_fields)
    parent_pk = quote(parent._meta.pk.column)
    # The child's VALUES take the parent's id from a scalar subquery, so every other
    # parameter gets its column's type (a SELECT list would make them text).
    first_id = f"(SELECT {parent_pk} FROM parent)"  # noqa: S608
    together = f"WITH parent AS ({parent_sql}) {insert(child, child_fields, first_id)}"
    return _Plan(
        parent_fields,
        child_fields,
        link_field,
        together,
        parent_sql,
        insert(child, child_fields, "%s"),
    )


def _values(obj: Model, fields: tuple[Field[Any, Any], ...], connection: Any) -> list[Any]:
    return [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]


def _saved(obj: Model, pk: int, alias: str) -> None:
    obj.pk = pk
    obj._state.adding = False
    obj._state.db = alias


def insert_pair(parent: Model, child: Model, *, link: str, using: str = DEFAULT_DB_ALIAS) -> None:
    """Inserts ``parent``, then ``child`` with its foreign key ``link`` pointing at the
    new parent, and gives both their ids. Both must be new (no id yet). Callers run
    it inside their transaction, as they would the two ``save()`` calls."""
    if parent.pk is not None or child.pk is not None:
        raise ValueError("insert_pair inserts new rows only")
    connection = connections[using]
    plan = _plan(type(parent), type(child), link, using)
    parent_values = _values(parent, plan.parent_fields, connection)
    child_values = _values(child, plan.child_fields, connection)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(plan.together, parent_values + child_values)
            child_id, parent_id = cursor.fetchone()
        else:
            cursor.execute(plan.parent_sql, parent_values)
            (parent_id,) = cursor.fetchone()
            cursor.execute(plan.child_sql, [parent_id, *child_values])
            child_id, _link = cursor.fetchone()
    _saved(parent, parent_id, using)
    setattr(child, plan.link.attname, parent_id)
    setattr(child, plan.link.name, parent)
    _saved(child, child_id, using)
