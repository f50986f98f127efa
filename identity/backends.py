"""The authentication backend: Django's ``ModelBackend``, with the user of a session read in plain SQL."""

from __future__ import annotations

import functools
from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.db import connection

from core import sql

from .models import User

# The path sessions record and ``login(..., backend=...)`` names (settings.AUTHENTICATION_BACKENDS).
BACKEND = "identity.backends.UserBackend"


class UserBackend(ModelBackend):
    """Password login by phone as ``ModelBackend`` does it. ``get_user`` runs on every request of a
    logged-in user; the ORM compiles its query anew each time (0.2 ms of CPU, more than the query),
    so it is written out in SQL and read into the same model instance (see ``core.sql``)."""

    def get_user(self, user_id: Any) -> User | None:
        try:
            pk = User._meta.pk.to_python(user_id)
        except ValidationError:  # not an id at all: nobody, as ModelBackend's lookup finds nobody
            return None
        with connection.cursor() as cursor:
            cursor.execute(_user_sql(connection.vendor), [pk])
            row = cursor.fetchone()
        if row is None:
            return None
        user = sql.columns(User, "u").instance(row)
        return user if self.user_can_authenticate(user) else None


@functools.cache
def _user_sql(vendor: str) -> str:
    return f"SELECT {sql.columns(User, 'u').sql} FROM {sql.table(User)} u WHERE u.{sql.column(User, 'id')} = %s"
