"""Database-level guarantees that migrations install."""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION ediary_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
"""


def append_only(table: str) -> migrations.RunPython:
    """A migration operation: on PostgreSQL, triggers refuse every UPDATE and DELETE on ``table``,
    whoever asks (the ORM or raw SQL). On other databases the model layer refuses them
    (``AppendOnlyModel``)."""
    create = FUNCTION.replace("%", "%%") + "".join(
        f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION ediary_append_only();\n"
        for op in ("UPDATE", "DELETE")
    )
    drop = "".join(f"DROP TRIGGER IF EXISTS {table}_no_{op} ON {table};\n" for op in ("update", "delete"))

    def run(sql):
        def apply(apps, schema_editor):
            if schema_editor.connection.vendor == "postgresql":
                schema_editor.execute(sql)

        return apply

    return migrations.RunPython(run(create), run(drop))
