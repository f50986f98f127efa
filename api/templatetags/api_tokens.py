"""``{% api_tokens_section %}``: the API keys card on the profile page."""

from django import template

from ..portal_views import section_context

register = template.Library()


@register.inclusion_tag("api/_tokens_section.html", takes_context=True)
def api_tokens_section(context: template.Context) -> dict:
    request = context["request"]
    return {**section_context(request), "csrf_token": context.get("csrf_token"), "request": request}
