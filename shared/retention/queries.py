"""Retention's SQL, loaded once from queries.sql."""

from pathlib import Path

from shared.sql import load_queries

Q = load_queries(Path(__file__).with_name("queries.sql"))
