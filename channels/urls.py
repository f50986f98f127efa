from django.urls import path

from . import views, webhook

app_name = "channels"

urlpatterns = [
    path("sms/inbound", webhook.sms_inbound, name="sms_inbound"),
    path("readings/", views.lookup, name="public_readings"),
    path("readings/meters/", views.meters, name="public_readings_meters"),
    path("readings/done/", views.done, name="public_readings_done"),
]
