import pytest

ORIGIN = "https://www.rent-a-van.example"


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits count in the cache: every test starts from zero."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def webform(db, rental, administrator):
    """A rental web form on the rental company's website: name, e-mail (required), phone, and
    the required fields of the campaign's form."""
    from centrala.webforms.actions import do_save_webform

    return do_save_webform(
        administrator, None, campaign=rental, name="Book a van", allowed_origins=ORIGIN, per_ip_per_hour=3,
        per_form_per_hour=100, thank_you="Thanks, we will call you.",
        fields=[
            {"name": "first_name", "label": "Your name", "required": True, "position": 1},
            {"name": "email", "label": "", "required": True, "position": 2},
            {"name": "phone", "label": "", "required": False, "position": 3},
            {"name": "form.vehicle_type", "label": "Vehicle", "required": True, "position": 4},
            {"name": "form.pickup_place", "label": "", "required": True, "position": 5},
            {"name": "form.pickup_at", "label": "", "required": True, "position": 6},
            {"name": "form.return_at", "label": "", "required": True, "position": 7},
        ],
    )


def submit_url(webform):
    return f"/forms/f/{webform.key}/"
