"""A system check that attachments really are outside the web root."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core import checks


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


@checks.register(checks.Tags.security)
def private_root_outside_web_root(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    private = Path(settings.SERVICE_PRIVATE_ROOT)
    public = [Path(p) for p in (settings.STATIC_ROOT, settings.MEDIA_ROOT) if p]
    public += [Path(p if isinstance(p, str | Path) else p[1]) for p in settings.STATICFILES_DIRS]
    for root in public:
        if _inside(private, root) or _inside(root, private):
            return [
                checks.Error(
                    f"SERVICE_PRIVATE_ROOT ({private}) overlaps a publicly served directory ({root}).",
                    hint="Keep request attachments outside STATIC_ROOT, MEDIA_ROOT and STATICFILES_DIRS.",
                    id="service.E001",
                )
            ]
    return []
