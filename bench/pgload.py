"""PostgreSQL chores of a bulk load: a fresh database, indexes and foreign keys set aside
while COPY runs (rebuilding them once is far cheaper than maintaining them row by row),
sequences moved past the loaded ids."""

from __future__ import annotations

from collections.abc import Iterable

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo


def database_name(url: str) -> str:
    return conninfo_to_dict(url)["dbname"]


def recreate_database(url: str) -> None:
    """Drop (closing whatever is connected to it) and create the database of ``url``."""
    name = sql.Identifier(database_name(url))
    with psycopg.connect(make_conninfo(url, dbname="postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(name))


def drop_database(url: str) -> None:
    name = sql.Identifier(database_name(url))
    with psycopg.connect(make_conninfo(url, dbname="postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))


def strip_table(conn: psycopg.Connection, table: str) -> list[str]:
    """Drop the table's unique and foreign-key constraints and its other non-primary-key
    indexes (read from the catalog, so later migrations' indexes are covered); returns the
    statements that put them back."""
    constraints = conn.execute(
        "SELECT conname, pg_get_constraintdef(oid), contype FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype IN ('u', 'f', 'x') ORDER BY contype",
        (table,),
    ).fetchall()
    indexes = conn.execute(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "WHERE i.indrelid = %s::regclass AND NOT i.indisprimary AND NOT EXISTS "
        "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.contype IN "
        "('p', 'u', 'x'))",
        (table,),
    ).fetchall()
    restore = [definition for _, definition in indexes]
    # unique constraints before foreign keys: a key may point at one
    restore += [
        sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} {}")
        .format(sql.Identifier(table), sql.Identifier(name), sql.SQL(definition))
        .as_string(conn)
        for name, definition, _ in sorted(constraints, key=lambda row: row[2] != "u")
    ]
    for name, _, _ in constraints:
        conn.execute(
            sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(
                sql.Identifier(table), sql.Identifier(name)
            )
        )
    for name, _ in indexes:
        conn.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(name)))
    return restore


def copy_rows(
    conn: psycopg.Connection,
    table: str,
    columns: Iterable[str],
    chunks: Iterable[str],
    freeze: bool = False,
) -> None:
    """Stream text-format rows (already escaped) into ``table`` with COPY."""
    statement = sql.SQL("COPY {} ({}) FROM STDIN{}").format(
        sql.Identifier(table),
        sql.SQL(", ").join(map(sql.Identifier, columns)),
        sql.SQL(" (FREEZE)" if freeze else ""),
    )
    with conn.cursor().copy(statement) as copy:
        for chunk in chunks:
            copy.write(chunk)


def table_columns(conn: psycopg.Connection, table: str) -> list[str]:
    return [
        row[0]
        for row in conn.execute(
            "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 "
            "AND NOT attisdropped ORDER BY attnum",
            (table,),
        )
    ]


def reset_sequences(conn: psycopg.Connection) -> int:
    """Move every serial or identity sequence past the highest id of its column."""
    columns = conn.execute(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = 'public' AND (is_identity = 'YES' OR column_default LIKE "
        "'nextval(%%')"
    ).fetchall()
    for table, column in columns:
        conn.execute(
            sql.SQL(
                "SELECT setval(pg_get_serial_sequence(%s, %s), COALESCE(MAX({col}), 1), "
                "MAX({col}) IS NOT NULL) FROM {table}"
            ).format(col=sql.Identifier(column), table=sql.Identifier(table)),
            (sql.Identifier(table).as_string(conn), column),
        )
    return len(columns)


def database_size(conn: psycopg.Connection) -> int:
    return conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]
