import pytest
from django.test import Client


@pytest.fixture
def api_client(db):
    """api_client(user) -> a client that sends user's bearer token on every request (no session)."""
    from centrala.api.actions import do_create_token

    def make(user):
        _token, raw = do_create_token(None, user, "test", None)
        return Client(headers={"Authorization": f"Bearer {raw}"})

    return make


@pytest.fixture
def consent_types(db):
    from centrala.contacts.models import ConsentType

    return {
        "marketing": ConsentType.objects.create(name="Marketing by e-mail", description="Offers and news.", position=0),
        "phone": ConsentType.objects.create(name="Marketing by phone", position=1),
    }


@pytest.fixture
def contact_field(db):
    """make a further contact field: contact_field(key, label, **flags)."""
    from centrala.contacts.models import ContactField

    def make(key, label=None, **fields):
        fields.setdefault("position", ContactField.objects.count())
        return ContactField.objects.create(key=key, label=label or key.replace("_", " ").capitalize(), **fields)

    return make
