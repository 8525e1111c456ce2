"""PostgreSQL refuses every UPDATE and DELETE of a consent record, whoever asks (ORM or raw SQL)."""

from django.db import migrations

from gradebook.db import append_only


class Migration(migrations.Migration):
    dependencies = [("consent", "0001_initial")]

    operations = [append_only("consent_consentrecord")]
