"""Writing the audit log. Called inside the service's transaction, so a change and its entry
are stored together or not at all."""

from __future__ import annotations

from typing import Any

from django.db import models

from . import sql
from .models import AuditEntry


def audit(
    action: str,
    *,
    actor: Any = None,
    channel: str = "",
    account: Any = None,
    obj: models.Model | None = None,
    changes: dict[str, Any] | None = None,
    reason: str = "",
) -> AuditEntry:
    entry = AuditEntry(
        action=action,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        channel=channel,
        account=account,
        object_type=obj._meta.label if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        changes=changes or {},
        reason=reason,
    )
    sql.insert([entry])  # ``save()``'s insert without the ORM's compilation: every reading writes one (see sql)
    return entry
