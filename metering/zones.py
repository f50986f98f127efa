"""Tariff zones of a meter and their hours (local time, order ФСТ № 1473-э)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Zone(models.TextChoices):
    TOTAL = "total", _("круглосуточно")
    DAY = "day", _("день")
    NIGHT = "night", _("ночь")
    PEAK = "peak", _("пик")
    SEMIPEAK = "semipeak", _("полупик")


# The zones of each metering scheme, in the order the portal shows and the API expects them.
ZONES_BY_SCHEME: dict[int, tuple[str, ...]] = {
    1: (Zone.TOTAL,),
    2: (Zone.DAY, Zone.NIGHT),
    3: (Zone.PEAK, Zone.SEMIPEAK, Zone.NIGHT),
}

SCHEME_LABELS = {1: _("однотарифный"), 2: _("двухзонный (день/ночь)"), 3: _("трёхзонный (пик/полупик/ночь)")}

ZONE_HOURS: dict[int, dict[str, list[str]]] = {
    1: {Zone.TOTAL: ["00:00–24:00"]},
    2: {Zone.DAY: ["07:00–23:00"], Zone.NIGHT: ["23:00–07:00"]},
    3: {
        Zone.PEAK: ["07:00–10:00", "17:00–21:00"],
        Zone.SEMIPEAK: ["10:00–17:00", "21:00–23:00"],
        Zone.NIGHT: ["23:00–07:00"],
    },
}


def zone_label(zone: str) -> str:
    return str(Zone(zone).label)
