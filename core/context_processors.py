from typing import Any

from django.conf import settings
from django.http import HttpRequest


def company(request: HttpRequest) -> dict[str, Any]:
    return {"company": settings.COMPANY}
