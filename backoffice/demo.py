"""Demo staff: one user per role (the logins are in the README). Idempotent."""

from __future__ import annotations

from identity.models import User

from .roles import group_for, sync_roles

STAFF_DEMO_PASSWORD = "Staff-Svet-2026"
DEMO_STAFF = [
    # phone, role code, last name, first name
    ("+79990000091", "operator", "Операторова", "Ольга"),
    ("+79990000092", "inspector", "Контролёров", "Игорь"),
    ("+79990000093", "billing", "Расчётова", "Вера"),
    ("+79990000094", "administrator", "Админова", "Анна"),
]


def seed_staff() -> dict[str, User]:
    sync_roles()
    staff = {}
    for phone, role, last, first in DEMO_STAFF:
        user = User.objects.filter(phone=phone).first()
        if user is None:
            user = User.objects.create_user(phone, STAFF_DEMO_PASSWORD, is_staff=True, last_name=last, first_name=first)
        user.groups.add(group_for(role))
        staff[role] = user
    return staff
