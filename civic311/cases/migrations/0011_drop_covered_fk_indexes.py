# The four foreign keys lose their own index: a composite index (Meta) starts with each, and
# every insert maintained all of them. Only the indexes are dropped (the same names on both
# databases): altering the fields would rebuild the table on SQLite and re-check every row's
# foreign key on PostgreSQL.

import django.db.models.deletion
from django.db import migrations, models

INDEXES = {
    "department_id": "cases_servicerequest_department_id_d1bfd7b0",
    "neighborhood_id": "cases_servicerequest_neighborhood_id_52bad830",
    "queue_id": "cases_servicerequest_queue_id_9e69243e",
    "service_type_id": "cases_servicerequest_service_type_id_6db779b7",
}


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0010_request_geocell'),
        ('catalog', '0005_fixmystreet_groups_and_automated_attributes'),
        ('places', '0002_daily_counts'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{name}"',
                    reverse_sql=f'CREATE INDEX "{name}" ON "cases_servicerequest" ("{column}")',
                )
                for column, name in INDEXES.items()
            ],
            state_operations=[
                migrations.AlterField(
                    model_name='servicerequest',
                    name='department',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, to='catalog.department'),
                ),
                migrations.AlterField(
                    model_name='servicerequest',
                    name='neighborhood',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='requests', to='places.district'),
                ),
                migrations.AlterField(
                    model_name='servicerequest',
                    name='queue',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, to='catalog.queue'),
                ),
                migrations.AlterField(
                    model_name='servicerequest',
                    name='service_type',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='requests', to='catalog.servicetype'),
                ),
            ],
        ),
    ]
