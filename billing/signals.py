"""Clear the cached price list when staff change a price."""

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import TariffPrice
from .pricing import PRICES_CACHE_KEY


@receiver([post_save, post_delete], sender=TariffPrice)
def forget_prices(**kwargs) -> None:
    cache.delete(PRICES_CACHE_KEY)
