"""/api/v1/: the REST API. What belongs to an account lives under /accounts/{number}/; what belongs to
the user across accounts (payments, support requests, which may name no account, notifications,
settings) at the top or under /me/; anything else is a JSON 404."""

from django.urls import path, re_path

from . import docs
from .views import accounts, auth, money, notifications, payments, public, readings, requests

app_name = "api"

ACCOUNT = r"^accounts/(?P<number>\d{10})/"
METER = ACCOUNT + r"meters/(?P<meter_id>\d+)/"
REQUEST = r"^requests/(?P<request_id>\d+)/"

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
    re_path(ACCOUNT + r"money/$", money.MoneyView.as_view(), name="money"),
    re_path(ACCOUNT + r"statement/pdf$", money.StatementPdfView.as_view(), name="statement_pdf"),
    re_path(ACCOUNT + r"statement/xlsx$", money.StatementXlsxView.as_view(), name="statement_xlsx"),
    re_path(ACCOUNT + r"autopay/$", money.AutopayView.as_view(), name="autopay"),
    path("payments/", payments.PaymentsView.as_view(), name="payments"),
    path("payments/<uuid:payment_id>/", payments.PaymentView.as_view(), name="payment"),
    path("payments/<uuid:payment_id>/receipt/", payments.ReceiptView.as_view(), name="receipt"),
    path("requests/", requests.RequestsView.as_view(), name="requests"),
    path("requests/kinds/", requests.RequestKindsView.as_view(), name="request_kinds"),
    re_path(REQUEST + r"$", requests.RequestView.as_view(), name="request"),
    re_path(REQUEST + r"messages/$", requests.RequestMessagesView.as_view(), name="request_messages"),
    re_path(REQUEST + r"close/$", requests.RequestCloseView.as_view(), name="request_close"),
    re_path(REQUEST + r"rating/$", requests.RequestRatingView.as_view(), name="request_rating"),
    re_path(
        REQUEST + r"attachments/(?P<attachment_id>\d+)/$",
        requests.RequestAttachmentView.as_view(),
        name="request_attachment",
    ),
    path("notifications/", notifications.NotificationsView.as_view(), name="notifications"),
    path("notifications/unread-count/", notifications.UnreadCountView.as_view(), name="notifications_unread"),
    path("notifications/read-all/", notifications.MarkAllReadView.as_view(), name="notifications_read_all"),
    re_path(
        r"^notifications/(?P<notification_id>\d+)/read/$",
        notifications.MarkReadView.as_view(),
        name="notification_read",
    ),
    path("me/notification-channels/", notifications.ChannelsView.as_view(), name="notification_channels"),
    path("me/ebills/", notifications.EbillsView.as_view(), name="ebills"),
    re_path(r"^(?P<path>.*)$", docs.not_found),
]
