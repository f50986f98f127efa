"""Domain errors: a stable code for machines and a Russian message for people.

Services raise :class:`DomainError`; each channel translates it (a form error, JSON 422 with
the code, an SMS reply) and never invents its own wording for the same rule.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status = 422

    def __init__(self, code: str, message: str, *, field: str | None = None, **params: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = str(message)
        self.field = field
        self.params = params

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.field:
            data["field"] = self.field
        if self.params:
            data["params"] = {k: str(v) for k, v in self.params.items()}
        return data

    def __repr__(self) -> str:
        return f"DomainError({self.code!r}, {self.message!r}, field={self.field!r})"


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    status = 409
