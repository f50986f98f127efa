"""Staff roles: one declarative table, kept in the database as a Group per role.

``sync_roles`` runs after every ``migrate`` (and ``flush``): it creates each role's Group and sets its
permissions to exactly those listed here, so the table below is the one truth of who may do what
(permissions ticked by hand on these groups are put back on the next migrate; give a person extra
rights on the user, not on the group). An unknown permission name fails the migration loudly.
The README's "Back office" section shows the same table for people.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import Group, Permission
from django.db import transaction

# What every staff member may see: the search and customer card, and read-only lists.
READ = [
    "backoffice.view_customercard",
    "customers.view_customer",
    "customers.view_account",
    "customers.view_premise",
    "customers.view_accountlink",
    "customers.view_businessapplication",
    "metering.view_meter",
    "metering.view_reading",
    "metering.view_submissionwindow",
    "billing.view_tariffcategory",
    "billing.view_tariffprice",
    "billing.view_consumptionnorm",
    "billing.view_keyrate",
    "billing.view_billingrun",
    "billing.view_ledgerentry",
    "billing.view_chargeline",
    "billing.view_bill",
    "payments.view_payment",
    "payments.view_receipt",
    "core.view_auditentry",
    "service.view_request",
    "service.view_faqentry",
]
ENTER_READINGS = ["backoffice.enter_readings"]
IMPORT_READINGS = ["backoffice.add_readingimport", "backoffice.view_readingimport"]
CORRECT_READINGS = ["metering.change_reading"]
ANSWER_REQUESTS = ["service.change_request"]
EDIT_FAQ = ["service.add_faqentry", "service.change_faqentry", "service.delete_faqentry"]
UNLOCK_USERS = ["backoffice.unlock_users"]
METERS = ["metering.add_meter", "metering.change_meter"]
TARIFFS = [
    f"billing.{action}_{model}"
    for model in ("tariffcategory", "tariffprice", "consumptionnorm", "keyrate")
    for action in ("add", "change", "delete")
]
WINDOWS = [f"metering.{action}_submissionwindow" for action in ("add", "change", "delete")]
CLOSE_PERIOD = ["billing.add_billingrun"]
ADJUST_BALANCE = ["billing.add_ledgerentry"]
BUSINESS_APPLICATIONS = ["customers.change_businessapplication"]
ALL = "*"  # every permission there is (users, groups, second-factor devices included)


@dataclass(frozen=True)
class Role:
    code: str
    name: str  # the Group's name, as staff see it
    permissions: tuple[str, ...] | str


ROLES: tuple[Role, ...] = (
    Role(
        "operator",
        "Оператор колл-центра",
        (*READ, *ENTER_READINGS, *ANSWER_REQUESTS, *EDIT_FAQ, *UNLOCK_USERS),
    ),
    Role(
        "inspector",
        "Контролёр",
        (*READ, *ENTER_READINGS, *IMPORT_READINGS, *CORRECT_READINGS, *METERS),
    ),
    Role(
        "billing",
        "Специалист по расчётам",
        (
            *READ,
            *CORRECT_READINGS,
            *ANSWER_REQUESTS,
            *TARIFFS,
            *WINDOWS,
            *CLOSE_PERIOD,
            *ADJUST_BALANCE,
            *BUSINESS_APPLICATIONS,
            "backoffice.view_readingimport",
        ),
    ),
    Role("administrator", "Администратор", ALL),
)
ROLE_BY_CODE = {role.code: role for role in ROLES}


def _permission(name: str) -> Permission:
    app_label, _, codename = name.partition(".")
    try:
        return Permission.objects.get(content_type__app_label=app_label, codename=codename)
    except Permission.DoesNotExist:
        raise LookupError(f"backoffice.roles: no permission {name!r}; fix the ROLES table") from None


@transaction.atomic
def sync_roles(using: str = "default") -> dict[str, Group]:
    """Create or update the Group of every role so that it holds exactly the table's permissions."""
    groups = {}
    for role in ROLES:
        group, _ = Group.objects.using(using).get_or_create(name=role.name)
        if role.permissions == ALL:
            wanted = list(Permission.objects.using(using).all())
        else:
            wanted = [_permission(name) for name in role.permissions]
        group.permissions.set(wanted)
        groups[role.code] = group
    return groups


def group_for(code: str) -> Group:
    return Group.objects.get(name=ROLE_BY_CODE[code].name)


def after_migrate(sender: Any, using: str = "default", **kwargs: Any) -> None:
    """post_migrate receiver: every app's permissions first (they come per app, in app order), then the roles."""
    from django.apps import apps
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=using)
    sync_roles(using)
