"""Chinese full-text search: one document table, a Whoosh index or PostgreSQL full-text search."""
