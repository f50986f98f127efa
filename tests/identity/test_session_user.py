"""The user of a session, read by ``identity.backends.UserBackend`` in plain SQL, is the ORM's user, and
only while that user may log in."""

import pytest
from django.contrib.auth import get_user
from django.test import RequestFactory

from identity.backends import UserBackend
from identity.models import User
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def fields_of(user):
    return {field.attname: getattr(user, field.attname) for field in User._meta.concrete_fields}


def test_the_sessions_user_is_the_orms(db):
    user = UserFactory(first_name="Анна", last_name="Петрова", email="anna@example.ru", kind=User.Kind.BUSINESS)
    found = UserBackend().get_user(user.pk)
    orm = User.objects.get(pk=user.pk)
    assert fields_of(found) == fields_of(orm)
    assert found.last_login == orm.last_login and found.date_joined.tzinfo is not None
    assert not found._state.adding and found._state.db == orm._state.db


def test_nobody_for_an_unknown_or_malformed_id(db):
    assert UserBackend().get_user(10**9) is None
    assert UserBackend().get_user("not-an-id") is None


def test_a_deactivated_user_is_logged_out_of_an_open_session(client, db):
    user = UserFactory(phone="+79161234567")
    assert client.post("/login/", {"username": "+79161234567", "password": PASSWORD}).status_code == 302
    assert client.get("/profile/").status_code == 200
    User.objects.filter(pk=user.pk).update(is_active=False)
    response = client.get("/profile/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_a_password_change_elsewhere_ends_the_session(client, db):
    user = UserFactory(phone="+79161234567")
    client.post("/login/", {"username": "+79161234567", "password": PASSWORD})
    request = RequestFactory().get("/")
    request.session = client.session
    assert get_user(request).pk == user.pk
    user.set_password("another-password-9")
    user.save()
    assert not get_user(request).is_authenticated  # the session's hash no longer matches
