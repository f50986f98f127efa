"""Where attachments live: a directory outside the web root (``SERVICE_PRIVATE_ROOT``, by default
``var/private``), with no URL of its own. Files are read back only through views that check
who is asking (``service.views.attachment`` for the owner, the back office's for staff)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class PrivateStorage(FileSystemStorage):
    """FileSystemStorage rooted at ``SERVICE_PRIVATE_ROOT`` (read on every use, so tests can move it)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.pop("location", None)
        kwargs.pop("base_url", None)
        super().__init__(**kwargs)

    @property  # type: ignore[override]
    def base_location(self) -> str:
        return str(settings.SERVICE_PRIVATE_ROOT)

    @property  # type: ignore[override]
    def location(self) -> str:
        return str(Path(settings.SERVICE_PRIVATE_ROOT).resolve())

    def url(self, name: str | None) -> str:
        raise ValueError("private files have no public URL; serve them through an access-checked view")


_storage = PrivateStorage()


def private_storage() -> PrivateStorage:
    return _storage
