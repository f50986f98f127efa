"""A change to a user (deactivated, new password, new phone) drops their cached API tokens."""

from typing import Any

from django.conf import settings
from django.db.models.signals import post_save
from django.dispatch import receiver


@receiver(post_save, sender=settings.AUTH_USER_MODEL)
def user_changed(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    if not created:
        from .services import forget_cached_tokens

        forget_cached_tokens(instance.pk)
