from django.contrib import admin
from django.urls import include, path

from core.views import favicon, healthz
from notifications.views import local_sms

# admin.site is identity.backoffice.BackofficeSite (titles, second factor for staff).
urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon, name="favicon"),
    path("dev/sms/", local_sms, name="local_sms"),  # 404 unless DEBUG with the local SMS backend
    path("i18n/", include("django.conf.urls.i18n")),
    path("captcha/", include("captcha.urls")),
    path("backoffice/", admin.site.urls),
    path("pay/", include("payments.urls")),
    path("api/v1/", include("api.urls")),
    path("notifications/", include("notifications.urls")),
    path("", include("channels.urls")),  # /sms/inbound, /readings/ (without login)
    path("", include("service.urls")),  # /requests/..., /faq/
    path("", include("portal.urls")),
]
