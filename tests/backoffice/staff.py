"""Staff members in the roles of ``backoffice.roles`` (the groups exist after migrate)."""

from __future__ import annotations

import itertools

from backoffice.roles import group_for
from tests.factories import UserFactory

ROLES = ("operator", "inspector", "billing", "administrator")
# Phones of their own (+7 998 ...), apart from the factory's and the demo's (+7 999 ...).
_phones = (f"+7998{n:07d}" for n in itertools.count(1))


def staff(role: str, **fields):
    fields.setdefault("phone", next(_phones))
    user = UserFactory(is_staff=True, **fields)
    user.groups.add(group_for(role))
    return user
