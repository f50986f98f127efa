from django.contrib.auth import views as auth_views
from django.urls import path, re_path

from . import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("tariffs/", views.tariffs, name="tariffs"),
    re_path(r"^a/(?P<number>\d{10})/$", views.account_dashboard, name="account"),
    re_path(r"^a/(?P<number>\d{10})/meters/(?P<meter_id>\d+)/readings/$", views.submit, name="submit"),
    re_path(r"^a/(?P<number>\d{10})/history/$", views.history, name="history"),
]
