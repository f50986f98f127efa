import pytest

from notifications.models import LocalSms

pytestmark = pytest.mark.django_db


def test_developers_read_local_sms_on_a_page(client, settings):
    settings.DEBUG = True
    LocalSms.objects.create(phone="+79991112233", text="Код для входа: 123456")
    assert "Код для входа: 123456" in client.get("/dev/sms/").content.decode()


def test_the_page_does_not_exist_in_production(client, settings):
    settings.DEBUG = False
    LocalSms.objects.create(phone="+79991112233", text="Код для входа: 123456")
    assert client.get("/dev/sms/").status_code == 404
    settings.DEBUG, settings.SMS_BACKEND = True, "notifications.sms.HttpSmsGateway"
    assert client.get("/dev/sms/").status_code == 404
