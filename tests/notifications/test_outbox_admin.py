"""Back office: staff see the outbox with masked phones and send a failed message again (audited);
nobody adds or deletes messages by hand, and staff without the permission cannot touch it."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from core.models import AuditEntry
from identity.models import User
from notifications.models import OutboxMessage
from notifications.services import send_sms
from tests.factories import UserFactory
from tests.messages import sms_texts

pytestmark = pytest.mark.django_db
PHONE = "+79161234567"


@pytest.fixture
def failed(today):
    send_sms(PHONE, "Текст")  # not committed in a test: nobody delivered it
    OutboxMessage.objects.update(state=OutboxMessage.State.FAILED, attempts=10, last_error="gateway down")
    return OutboxMessage.objects.get()


def test_staff_send_a_failed_message_again(client, failed, send_now):
    admin = User.objects.create_superuser("+79990000098", "Admin-Pass-2026")
    client.force_login(admin)
    listing = client.get(reverse("admin:notifications_outboxmessage_changelist")).content.decode()
    assert "+7 916 ***-**-67" in listing and PHONE not in listing

    response = client.post(
        reverse("admin:notifications_outboxmessage_changelist"),
        {"action": "send_again", "_selected_action": [failed.pk]},
    )
    assert response.status_code == 302
    failed.refresh_from_db()
    assert failed.state == OutboxMessage.State.SENT and failed.attempts == 1
    assert sms_texts(PHONE) == ["Текст"]
    entry = AuditEntry.objects.get(action="notifications.outbox_resent")
    assert entry.actor == admin and entry.changes == {"message": failed.pk}


def test_messages_are_not_added_or_deleted_by_hand(client, failed):
    client.force_login(User.objects.create_superuser("+79990000098", "Admin-Pass-2026"))
    assert client.get(reverse("admin:notifications_outboxmessage_add")).status_code == 403
    assert client.get(reverse("admin:notifications_outboxmessage_delete", args=[failed.pk])).status_code == 403


def test_staff_without_the_permission_cannot_send_again(client, failed):
    operator = UserFactory(is_staff=True)
    operator.user_permissions.add(Permission.objects.get(codename="view_outboxmessage"))
    client.force_login(operator)
    assert client.get(reverse("admin:notifications_outboxmessage_changelist")).status_code == 200
    response = client.post(
        reverse("admin:notifications_outboxmessage_changelist"),
        {"action": "send_again", "_selected_action": [failed.pk]},
    )
    failed.refresh_from_db()
    assert failed.state == OutboxMessage.State.FAILED and response.status_code in (200, 302)
    assert not AuditEntry.objects.filter(action="notifications.outbox_resent").exists()


def test_staff_do_not_see_the_text_of_a_code(client, today):
    from identity.codes import issue_code
    from identity.models import OneTimeCode

    issue_code(purpose=OneTimeCode.Purpose.LOGIN, phone=PHONE)
    row = OutboxMessage.objects.get()
    client.force_login(User.objects.create_superuser("+79990000098", "Admin-Pass-2026"))
    page = client.get(reverse("admin:notifications_outboxmessage_change", args=[row.pk])).content.decode()
    assert row.body.startswith("Код для входа")  # pending: the text waits for delivery
    assert "Код для входа" not in page
