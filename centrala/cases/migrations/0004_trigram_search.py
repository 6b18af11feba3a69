from django.db import migrations

from centrala.lib.trigram import TrigramIndexes


class Migration(migrations.Migration):
    dependencies = [("cases", "0003_list_indexes")]

    operations = [
        TrigramIndexes(("case_subject_trgm", "cases_case", "UPPER(subject::text)")),
    ]
