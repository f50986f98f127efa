"""/api/v1/: the REST API. Account-scoped resources live under /accounts/{number}/ (requests from the
``service`` app will join as /accounts/{number}/requests/); anything else is a JSON 404."""

from django.urls import path, re_path

from . import docs
from .views import accounts, auth, payments, public, readings

app_name = "api"

ACCOUNT = r"^accounts/(?P<number>\d{10})/"
METER = ACCOUNT + r"meters/(?P<meter_id>\d+)/"

urlpatterns = [
    path("openapi.json", docs.SchemaView.as_view(), name="schema"),
    path("docs", docs.docs, name="docs"),
    path("auth/csrf/", auth.CsrfView.as_view(), name="csrf"),
    path("auth/login/", auth.LoginView.as_view(), name="login"),
    path("auth/logout/", auth.LogoutView.as_view(), name="logout"),
    path("auth/register/", auth.RegisterView.as_view(), name="register"),
    path("auth/register/confirm/", auth.RegisterConfirmView.as_view(), name="register_confirm"),
    path("auth/code-login/", auth.CodeLoginView.as_view(), name="code_login"),
    path("auth/code-login/confirm/", auth.CodeLoginConfirmView.as_view(), name="code_login_confirm"),
    path("auth/password/recover/", auth.RecoverView.as_view(), name="recover"),
    path("auth/password/reset/", auth.ResetPasswordView.as_view(), name="reset_password"),
    path("me/", auth.MeView.as_view(), name="me"),
    path("tariffs/", public.TariffsView.as_view(), name="tariffs"),
    path("accounts/", accounts.AccountsView.as_view(), name="accounts"),
    path("accounts/link/", accounts.LinkView.as_view(), name="link"),
    re_path(ACCOUNT + r"$", accounts.AccountView.as_view(), name="account"),
    re_path(ACCOUNT + r"tariff/$", accounts.AccountTariffView.as_view(), name="account_tariff"),
    re_path(ACCOUNT + r"balance/$", accounts.BalanceView.as_view(), name="balance"),
    re_path(ACCOUNT + r"bills/$", accounts.BillsView.as_view(), name="bills"),
    re_path(ACCOUNT + r"bills/(?P<period>\d{4}-\d{2})/$", accounts.BillView.as_view(), name="bill"),
    re_path(ACCOUNT + r"bills/(?P<period>\d{4}-\d{2})/pdf$", accounts.BillPdfView.as_view(), name="bill_pdf"),
    re_path(ACCOUNT + r"meters/$", accounts.MetersView.as_view(), name="meters"),
    re_path(METER + r"$", accounts.MeterView.as_view(), name="meter"),
    re_path(METER + r"readings/$", readings.ReadingsView.as_view(), name="readings"),
    re_path(METER + r"readings/preview/$", readings.PreviewView.as_view(), name="readings_preview"),
    re_path(METER + r"consumption/$", readings.ConsumptionView.as_view(), name="consumption"),
    path("payments/", payments.PaymentsView.as_view(), name="payments"),
    path("payments/<uuid:payment_id>/", payments.PaymentView.as_view(), name="payment"),
    path("payments/<uuid:payment_id>/receipt/", payments.ReceiptView.as_view(), name="receipt"),
    re_path(r"^(?P<path>.*)$", docs.not_found),
]
