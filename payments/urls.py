from django.urls import path

from . import views

app_name = "payments"

urlpatterns = [
    path("", views.pay, name="pay"),
    path("history/", views.history, name="history"),
    path("autopay/", views.autopay, name="autopay"),
    path("notify/<str:provider>/", views.notify, name="notify"),
    path("test-acquirer/<str:provider_id>/", views.test_acquirer, name="test_acquirer"),
    path("<uuid:payment_id>/", views.detail, name="detail"),
    path("<uuid:payment_id>/state/", views.state, name="state"),
    path("<uuid:payment_id>/receipt/", views.receipt, name="receipt"),
]
