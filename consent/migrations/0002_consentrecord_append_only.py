"""PostgreSQL refuses every UPDATE and DELETE of a consent record, whoever asks (ORM or raw SQL).

On SQLite the model layer refuses them (ConsentRecord.save/delete and its queryset).
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION consent_record_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'consent records are append-only: %% refused', TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER consent_record_no_update BEFORE UPDATE ON consent_consentrecord
    FOR EACH ROW EXECUTE FUNCTION consent_record_append_only();
CREATE TRIGGER consent_record_no_delete BEFORE DELETE ON consent_consentrecord
    FOR EACH ROW EXECUTE FUNCTION consent_record_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS consent_record_no_update ON consent_consentrecord;
DROP TRIGGER IF EXISTS consent_record_no_delete ON consent_consentrecord;
DROP FUNCTION IF EXISTS consent_record_append_only();
"""


def run(sql):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return apply


class Migration(migrations.Migration):
    dependencies = [("consent", "0001_initial")]

    operations = [migrations.RunPython(run(CREATE), run(DROP))]
