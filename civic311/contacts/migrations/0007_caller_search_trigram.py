# The desk's caller search is `name icontains OR email icontains OR phone icontains`, which
# Django writes on PostgreSQL as UPPER(col::text) LIKE UPPER('%…%'): without an index on
# those expressions every search read the whole constituent table. Trigram indexes let the
# planner answer the OR with a bitmap of three index scans. PostgreSQL only (SQLite's LIKE
# cannot use an index for a leading wildcard), as the queue's search indexes (cases 0009).

from django.db import migrations

from civic311.config.migration_operations import on_postgresql_only

INDEXES = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS constituent_name_trgm ON contacts_constituent "
    "USING gin (UPPER(name::text) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS constituent_email_trgm ON contacts_constituent "
    "USING gin (UPPER(email::text) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS constituent_phone_trgm ON contacts_constituent "
    "USING gin (UPPER(phone::text) gin_trgm_ops)",
]
DROP_INDEXES = [
    "DROP INDEX IF EXISTS constituent_name_trgm",
    "DROP INDEX IF EXISTS constituent_email_trgm",
    "DROP INDEX IF EXISTS constituent_phone_trgm",
]


class Migration(migrations.Migration):

    dependencies = [
        ('contacts', '0006_constituent_email_upper'),
    ]

    operations = [
        on_postgresql_only(INDEXES, DROP_INDEXES),
    ]
