"""Serve: the web reader and JSON API over a SQLite or PostgreSQL corpus. ``app.create_app(store_url,
settings)`` builds it; ``queries`` and ``search`` are the read model (plain functions over a read-only
connection); ``writer`` ingests posted pages. Nothing is imported here, so the read model works without the web
packages."""
