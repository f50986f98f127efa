from django.contrib import admin
from django.urls import include, path

from core.views import healthz
from notifications.views import local_sms

admin.site.site_header = "Абонент — бэк-офис"
admin.site.site_title = "Абонент"
admin.site.index_title = "Бэк-офис энергосбытовой компании"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("dev/sms/", local_sms, name="local_sms"),  # 404 unless DEBUG with the local SMS backend
    path("i18n/", include("django.conf.urls.i18n")),
    path("backoffice/", admin.site.urls),
    path("", include("portal.urls")),
]
