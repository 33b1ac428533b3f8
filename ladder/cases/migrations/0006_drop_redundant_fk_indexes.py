"""Drops the single-column indexes Django made for five foreign keys that a composite
index already starts with: cases_case.organization_id (every list index starts with
it), case_id of interactions, tasks and timeline rows (interaction_case, task_case,
timeline_case) and cases_task.organization_id (task_mine). Nothing reads them that
the composite index does not serve as well, and every insert paid to maintain them.

Plain DROP INDEX in place of AlterField: on SQLite AlterField rebuilds the table,
which would drop the timeline's append-only triggers with it."""

import django.db.models.deletion
from django.db import migrations, models

# (table, column, the index Django named for it)
INDEXES = [
    ("cases_case", "organization_id", "cases_case_organization_id_cb1292e0"),
    ("cases_interaction", "case_id", "cases_interaction_case_id_d913a962"),
    ("cases_task", "case_id", "cases_task_case_id_db8cf8f3"),
    ("cases_task", "organization_id", "cases_task_organization_id_6c17235a"),
    ("cases_timelineevent", "case_id", "cases_timelineevent_case_id_1bfb12ab"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0005_public_submission"),
        ("tenancy", "0002_reply_guard"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{name}"',
                    reverse_sql=f'CREATE INDEX "{name}" ON "{table}" ("{column}")',
                )
                for table, column, name in INDEXES
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="case",
                    name="organization",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="cases",
                        to="tenancy.organization",
                    ),
                ),
                migrations.AlterField(
                    model_name="interaction",
                    name="case",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="interactions",
                        to="cases.case",
                    ),
                ),
                migrations.AlterField(
                    model_name="task",
                    name="case",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="tasks",
                        to="cases.case",
                    ),
                ),
                migrations.AlterField(
                    model_name="task",
                    name="organization",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="tasks",
                        to="tenancy.organization",
                    ),
                ),
                migrations.AlterField(
                    model_name="timelineevent",
                    name="case",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="timeline",
                        to="cases.case",
                    ),
                ),
            ],
        )
    ]
