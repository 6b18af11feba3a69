import pytest


@pytest.fixture
def rental_form(rental):
    return rental.script.form


def field(form, key):
    return form.fields.get(key=key)


def choice(form, field_key, choice_key):
    return field(form, field_key).choices.get(key=choice_key)


@pytest.fixture
def api_client(db):
    """api_client(user) -> a client sending user's bearer token on every request (no session)."""
    from django.test import Client

    from centrala.api.actions import do_create_token

    def make(user):
        _token, raw = do_create_token(None, user, "test", None)
        return Client(headers={"Authorization": f"Bearer {raw}"})

    return make
