"""The full-text index: an FTS5 table on SQLite, a GIN index on the weighted tsvector on
PostgreSQL. Each database gets only its own."""

from django.db import migrations

SQLITE_CREATE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS knowledge_article_fts USING fts5("
    "article_id UNINDEXED, title, keywords, body, "
    "tokenize = 'porter unicode61 remove_diacritics 2')"
)
SQLITE_DROP = "DROP TABLE IF EXISTS knowledge_article_fts"
POSTGRES_CREATE = (
    "CREATE INDEX IF NOT EXISTS knowledge_article_search_gin ON knowledge_article USING gin (search_vector)"
)
POSTGRES_DROP = "DROP INDEX IF EXISTS knowledge_article_search_gin"


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE_CREATE)
    elif vendor == "postgresql":
        schema_editor.execute(POSTGRES_CREATE)


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE_DROP)
    elif vendor == "postgresql":
        schema_editor.execute(POSTGRES_DROP)


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0001_articles_and_campaigns")]
    operations = [migrations.RunPython(create, drop)]
