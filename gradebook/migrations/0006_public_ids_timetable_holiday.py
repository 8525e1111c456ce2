"""Timetable entries and holidays get public UUIDs, so that the exchange can name them (and their deletion)."""

import uuid

from django.db import migrations, models


def fill(apps, schema_editor):
    for name in ("TimetableEntry", "Holiday"):
        model = apps.get_model("gradebook", name)
        rows = list(model.objects.only("pk"))
        for row in rows:
            row.public_id = uuid.uuid4()
        model.objects.bulk_update(rows, ["public_id"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [("gradebook", "0005_finals")]

    operations = [
        migrations.AddField(
            model_name="timetableentry",
            name="public_id",
            field=models.UUIDField(editable=False, null=True, verbose_name="public id"),
        ),
        migrations.AddField(
            model_name="holiday",
            name="public_id",
            field=models.UUIDField(editable=False, null=True, verbose_name="public id"),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="timetableentry",
            name="public_id",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True, verbose_name="public id"),
        ),
        migrations.AlterField(
            model_name="holiday",
            name="public_id",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True, verbose_name="public id"),
        ),
    ]
