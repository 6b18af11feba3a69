from django.db import migrations

from centrala.lib.trigram import TrigramIndexes


class Migration(migrations.Migration):
    dependencies = [("contacts", "0002_contact_search_key")]

    operations = [
        TrigramIndexes(
            ("contact_search_key_trgm", "contacts_contact", "search_key::text"),
            ("contact_phone_e164_trgm", "contacts_contactphone", "e164::text"),
            ("contact_email_key_trgm", "contacts_contactemail", "address_key::text"),
        ),
    ]
