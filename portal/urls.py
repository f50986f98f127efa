from django.contrib.auth import views as auth_views
from django.urls import path, re_path

from api import portal_views as api_views
from documents import views as document_views

from . import account_views, identity_views, profile_views, views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("tariffs/", views.tariffs, name="tariffs"),
    path("login/code/", identity_views.code_login, name="code_login"),
    path("login/code/confirm/", identity_views.code_login_confirm, name="code_login_confirm"),
    path("profile/", profile_views.profile, name="profile"),
    path("profile/phone/confirm/", profile_views.phone_confirm, name="profile_phone_confirm"),
    path("profile/sessions/end/", profile_views.end_sessions, name="end_sessions"),
    path("profile/consents/<int:consent_id>/withdraw/", profile_views.withdraw_consent, name="withdraw_consent"),
    path("profile/export.json", profile_views.export_data, name="export_data"),
    path("profile/tokens/", api_views.tokens, name="api_tokens"),
    path("profile/tokens/<int:token_id>/revoke/", api_views.revoke, name="api_token_revoke"),
    path("profile/email/confirm/<str:token>/", profile_views.confirm_email, name="confirm_email"),
    path("register/", identity_views.register, name="register"),
    path("register/confirm/", identity_views.register_confirm, name="register_confirm"),
    path("register/account/", identity_views.register_account, name="register_account"),
    path("register/business/", identity_views.register_business, name="register_business"),
    path("business/pending/", identity_views.business_pending, name="business_pending"),
    path("password/forgot/", identity_views.forgot_password, name="forgot_password"),
    path("password/reset/", identity_views.reset_password, name="reset_password"),
    path("a/link/", account_views.link, name="link"),
    re_path(r"^a/(?P<number>\d{10})/$", views.account_dashboard, name="account"),
    re_path(r"^a/(?P<number>\d{10})/unlink/$", account_views.unlink, name="unlink"),
    re_path(r"^a/(?P<number>\d{10})/meters/(?P<meter_id>\d+)/readings/$", views.submit, name="submit"),
    re_path(r"^a/(?P<number>\d{10})/history/$", views.history, name="history"),
    re_path(r"^a/(?P<number>\d{10})/bills/$", views.bills, name="bills"),
    re_path(r"^a/(?P<number>\d{10})/bills/(?P<period>\d{4}-\d{2})/$", views.bill, name="bill"),
    re_path(r"^a/(?P<number>\d{10})/bills/(?P<period>\d{4}-\d{2})/pdf$", document_views.bill_pdf, name="bill_pdf"),
    re_path(r"^a/(?P<number>\d{10})/money/$", document_views.money_history, name="money_history"),
    re_path(r"^a/(?P<number>\d{10})/money/history\.csv$", document_views.history_csv, name="history_csv"),
    re_path(r"^a/(?P<number>\d{10})/money/statement$", document_views.statement, name="statement"),
]
