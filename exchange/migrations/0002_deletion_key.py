"""A tombstone names its record as the API does (a JSON key), so that marks and attendance, which carry no
UUID of their own, can be reported deleted too."""

from django.db import migrations, models


def keys_from_ids(apps, schema_editor):
    Deletion = apps.get_model("exchange", "Deletion")
    for row in Deletion.objects.all().iterator():
        row.key = {"id": str(row.public_id)}
        row.save(update_fields=["key"])


class Migration(migrations.Migration):
    dependencies = [("exchange", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="deletion",
            name="key",
            field=models.JSONField(default=dict, verbose_name="key"),
            preserve_default=False,
        ),
        migrations.RunPython(keys_from_ids, migrations.RunPython.noop),
        migrations.RemoveField(model_name="deletion", name="public_id"),
    ]
