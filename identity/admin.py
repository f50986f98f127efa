from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ("phone",)
    list_display = ("phone", "last_name", "first_name", "email", "kind", "is_staff", "is_active", "last_login")
    list_filter = ("is_staff", "is_active", "kind", "groups")
    search_fields = ("phone", "last_name", "first_name", "email")
    fieldsets = (
        (None, {"fields": ("phone", "password")}),
        (_("Персональные данные"), {"fields": ("last_name", "first_name", "middle_name", "email")}),
        (_("Права"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Даты"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("phone", "password1", "password2")}),)
