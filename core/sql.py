"""Plain SQL read into the ORM's own objects, for the hot paths: a portal submission and every
logged-in request.

The ORM compiles every query's SQL anew: 0.2-0.7 ms of CPU for each statement a submission makes
(the session's user, the access check, the meter's lock, its year of readings, the readings' and
the audit entry's inserts; measured on the readings benchmark), several times what the round trip
itself costs. The few queries of those paths are written out in SQL; their rows go through the
same column converters the ORM applies (dates, aware datetimes, UUIDs and decimals on SQLite,
custom fields such as ``PeriodField``), so callers get exactly the model instances and values a
queryset would give.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Model


@dataclass(frozen=True)  # not slots: ``converting`` is cached in the instance's dict
class Columns:
    """Some concrete fields of a model as selected under a table alias, and how to read them back."""

    model: type[Model]
    names: tuple[str, ...]  # attribute names (``account_id`` for a foreign key)
    sql: str  # ``alias."column", ...`` for the SELECT list
    converters: tuple[tuple[Any, tuple[Any, ...]], ...]  # (column expression, converters) per field

    def values(self, row: Sequence[Any]) -> list[Any]:
        """The row's values as the ORM would give them."""
        result = list(row)
        for index, expression, converters in self.converting:
            value = result[index]
            for convert in converters:
                value = convert(value, expression, connection)
            result[index] = value
        return result

    @functools.cached_property
    def converting(self) -> tuple[tuple[int, Any, tuple[Any, ...]], ...]:
        """(position, column expression, converters) of the fields that have any (few on PostgreSQL)."""
        return tuple((i, e, c) for i, (e, c) in enumerate(self.converters) if c)

    def instance(self, row: Sequence[Any]) -> Any:
        """A model instance as a queryset would load it (all concrete fields selected)."""
        return self.model.from_db(connection.alias, list(self.names), self.values(row))


def columns(model: type[Model], alias: str, names: Sequence[str] | None = None) -> Columns:
    """The model's concrete fields (or these, by attribute name) under ``alias``, for this database."""
    return _columns(model, alias, tuple(names) if names is not None else None, connection.vendor)


@functools.cache
def _columns(model: type[Model], alias: str, names: tuple[str, ...] | None, vendor: str) -> Columns:
    fields: list[Any] = list(model._meta.concrete_fields)
    if names is not None:
        by_name = {field.attname: field for field in fields}
        fields = [by_name[name] for name in names]
    quote = connection.ops.quote_name
    converters = []
    for field in fields:
        expression = field.get_col(alias)
        found = connection.ops.get_db_converters(expression) + expression.get_db_converters(connection)
        converters.append((expression, tuple(found)))
    return Columns(
        model,
        tuple(field.attname for field in fields),
        ", ".join(f"{alias}.{quote(field.column)}" for field in fields),
        tuple(converters),
    )


def table(model: type[Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def column(model: type[Model], name: str) -> str:
    field: Any = model._meta.get_field(name)
    return connection.ops.quote_name(field.column)


def lock_clause() -> str:
    """What ``select_for_update()`` appends here (nothing on SQLite, where the transaction locks)."""
    return " FOR UPDATE" if connection.features.has_select_for_update else ""


def param(model: type[Model], name: str, value: Any) -> Any:
    """A value for a query parameter compared with the field, prepared as a filter would."""
    field: Any = model._meta.get_field(name)
    return field.get_db_prep_value(value, connection, prepared=False)


@functools.cache
def _insert_sql(model: type[Model], count: int, vendor: str) -> tuple[list[Any], str]:
    fields: list[Any] = [field for field in model._meta.concrete_fields if not field.primary_key]
    pk: Any = model._meta.pk
    quote = connection.ops.quote_name
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    query = (
        f"INSERT INTO {table(model)} ({', '.join(quote(field.column) for field in fields)}) "
        f"VALUES {', '.join([row] * count)} RETURNING {quote(pk.column)}"
    )
    return fields, query


def insert(objs: Sequence[Model]) -> None:
    """Insert new instances of one model in one statement and set their primary keys: what
    ``bulk_create`` does for them (``pre_save`` of each field, ``auto_now_add`` included, and the
    same value preparation), without its per-call compilation. No signals, like ``bulk_create``."""
    if not objs:
        return
    model = type(objs[0])
    fields, query = _insert_sql(model, len(objs), connection.vendor)
    params = []
    for obj in objs:
        for field in fields:
            params.append(field.get_db_prep_save(field.pre_save(obj, add=True), connection))
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        ids = [new for (new,) in cursor.fetchall()]
    for obj, new in zip(objs, ids, strict=True):
        obj.pk = new
        obj._state.adding = False
        obj._state.db = connection.alias
