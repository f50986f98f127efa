"""Clear the cached submission windows when staff change one."""

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import SubmissionWindow
from .services import WINDOWS_CACHE_KEY


@receiver([post_save, post_delete], sender=SubmissionWindow)
def forget_windows(**kwargs) -> None:
    cache.delete(WINDOWS_CACHE_KEY)
