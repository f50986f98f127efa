"""The schema at /api/v1/openapi.json and a self-contained reference page at /api/v1/docs.

The page is rendered on the server from the same OpenAPI document (no Swagger UI, no CDN, no
JavaScript): operations by tag with their parameters, bodies and answers, then every schema.
The generated document is kept in memory per language; it changes only with the code.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .errors import body
from .permissions import Anyone

_SCHEMAS: dict[str, dict[str, Any]] = {}
METHODS = ("get", "post", "put", "patch", "delete")
TAGS = {
    "auth": gettext_lazy("Вход, регистрация, восстановление пароля"),
    "accounts": gettext_lazy("Лицевые счета"),
    "meters": gettext_lazy("Счётчики"),
    "readings": gettext_lazy("Показания и расход"),
    "tariffs": gettext_lazy("Тарифы"),
    "money": gettext_lazy("Баланс и квитанции"),
    "payments": gettext_lazy("Оплата и автоплатёж"),
    "requests": gettext_lazy("Обращения (интернет-приёмная)"),
    "notifications": gettext_lazy("Уведомления"),
    "settings": gettext_lazy("Настройки сообщений"),
}


def openapi() -> dict[str, Any]:
    language = translation.get_language() or "ru"
    if language not in _SCHEMAS:
        # Through JSON once: lazy translations and other objects become plain strings.
        schema = SchemaGenerator().get_schema(request=None, public=True)
        _SCHEMAS[language] = json.loads(json.dumps(schema, default=str))
    return _SCHEMAS[language]


class SchemaView(APIView):
    permission_classes = [Anyone]
    authentication_classes: list = []

    @extend_schema(exclude=True)
    def get(self, request: Request) -> Response:
        return Response(openapi())


# --- The reference page --------------------------------------------------------------------------


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def type_text(schema: dict[str, Any] | None) -> dict[str, Any]:
    """A schema as {"text": ..., "ref": component or None} for one table cell."""
    if not schema:
        return {"text": "—", "ref": None}
    if "$ref" in schema:
        name = _ref_name(schema["$ref"])
        return {"text": name, "ref": name}
    for key in ("oneOf", "anyOf", "allOf"):
        if key in schema:
            parts = [type_text(part) for part in schema[key]]
            refs = [p["ref"] for p in parts if p["ref"]]
            return {"text": " | ".join(p["text"] for p in parts), "ref": refs[0] if len(refs) == 1 else None}
    kind = schema.get("type", "object")
    if kind == "array":
        inner = type_text(schema.get("items"))
        return {"text": f"[{inner['text']}]", "ref": inner["ref"]}
    if kind == "object" and "additionalProperties" in schema:
        inner = type_text(schema["additionalProperties"] if isinstance(schema["additionalProperties"], dict) else {})
        return {"text": f"{{{_('зона')}: {inner['text']}}}", "ref": inner["ref"]}
    text = kind
    if schema.get("format"):
        text += f" ({schema['format']})"
    if schema.get("enum"):
        text += ": " + ", ".join(str(v) for v in schema["enum"] if v is not None)
    if schema.get("pattern"):
        text += f" /{schema['pattern']}/"
    if schema.get("nullable"):
        text += " | null"
    return {"text": text, "ref": None}


def _fields(schema: dict[str, Any]) -> list[dict[str, Any]]:
    required = set(schema.get("required", []))
    return [
        {
            "name": name,
            "type": type_text(prop),
            "required": name in required,
            "read_only": prop.get("readOnly", False),
            "description": prop.get("description", ""),
        }
        for name, prop in schema.get("properties", {}).items()
    ]


def outline(schema: dict[str, Any]) -> dict[str, Any]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for path, item in schema.get("paths", {}).items():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            body_schema = None
            request = operation.get("requestBody", {}).get("content", {})
            if request:
                media, content = next(iter(request.items()))
                body_schema = {"media": media, "type": type_text(content.get("schema"))}
            groups.setdefault((operation.get("tags") or ["other"])[0], []).append(
                {
                    "id": operation.get("operationId", f"{method}-{path}"),
                    "method": method.upper(),
                    "path": path,
                    "summary": operation.get("summary", ""),
                    "description": operation.get("description", ""),
                    "public": not operation.get("security"),
                    "parameters": [
                        {
                            "name": p["name"],
                            "in": p["in"],
                            "required": p.get("required", False),
                            "type": type_text(p.get("schema")),
                            "description": p.get("description", ""),
                        }
                        for p in operation.get("parameters", [])
                    ],
                    "body": body_schema,
                    "responses": [
                        {
                            "status": status,
                            "description": response.get("description", ""),
                            "types": [
                                {"media": media, "type": type_text(content.get("schema"))}
                                for media, content in response.get("content", {}).items()
                            ],
                        }
                        for status, response in sorted(operation.get("responses", {}).items())
                    ],
                }
            )
    order = list(TAGS)
    return {
        "info": schema.get("info", {}),
        "groups": [
            {"tag": tag, "title": str(TAGS.get(tag, tag)), "operations": operations}
            for tag, operations in sorted(groups.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else 99)
        ],
        "components": [
            {
                "name": name,
                "description": component.get("description", ""),
                "type": None if "properties" in component else type_text(component),
                "fields": _fields(component),
            }
            for name, component in sorted(schema.get("components", {}).get("schemas", {}).items())
        ],
        "security": schema.get("components", {}).get("securitySchemes", {}),
    }


@require_GET
def docs(request: HttpRequest) -> HttpResponse:
    return render(request, "api/docs.html", {"api": outline(openapi())})


@csrf_exempt  # any method, cookie or not: nothing here to protect, and a JSON answer, never an HTML 403
def not_found(request: HttpRequest, path: str = "") -> JsonResponse:
    """Any other address under /api/v1/: a JSON 404, not the portal's HTML page."""
    return JsonResponse(body("not_found", _("Не найдено.")), status=404, json_dumps_params={"ensure_ascii": False})
