"""A team server's privileges: what `netkeep team grant ROLE` gives a member, and no more.

The tables, the schema and the record of migrations belong to one owner role, which no member
is: only the owner can alter a table (switch a trigger off, turn row-level security off) or
upgrade the schema. A member gets:

- USAGE on the schema (no CREATE);
- SELECT on `netkeep_migrations` (the schema check of every command), nothing else on it;
- SELECT, INSERT, UPDATE and DELETE on netkeep's other tables, where the database narrows what
  they may write: row-level security on the undo journal (their own entries only), and a
  trigger on touchpoints (only those they logged; `logged_by` only their own name);
- USAGE and UPDATE on the id sequences (an import of a JSON export keeps its ids);
- EXECUTE on `netkeep_forget`, which erases one person as the owner (journal copies included).

When the owner's netkeep upgrades the schema, every role granted before is granted again, so a
table added by a later step reaches the members too. See docs/team.md, "Security".
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection

from netkeep.errors import BadInput, RuntimeFailure

MIGRATIONS_TABLE = "netkeep_migrations"
FORGET_FUNCTION = "netkeep_forget(bigint)"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _owner(conn: Connection) -> str:
    return str(
        conn.execute(
            text(
                "SELECT pg_get_userbyid(relowner) FROM pg_class "
                f"WHERE oid = to_regclass('{MIGRATIONS_TABLE}')"
            )
        ).scalar_one()
    )


def grant(conn: Connection, roles: list[str]) -> str:
    """Give each role a member's privileges (revoking anything more on netkeep's tables); the
    owner's name. The connection's role must own the tables."""
    owner = _owner(conn)
    me = str(conn.execute(text("SELECT current_user")).scalar_one())
    if me != owner:
        raise RuntimeFailure(
            f"team grant runs as the role that owns netkeep's tables ({owner}), not as {me}"
        )
    for role in roles:
        found = conn.execute(
            text("SELECT rolsuper FROM pg_roles WHERE rolname = :role"), {"role": role}
        ).first()
        if found is None:
            raise BadInput(f"no role {role!r} on this server (the operator creates it first)")
        if role == owner:
            raise BadInput(f"{role} owns netkeep's tables: a member must be another role")
        _grant_one(conn, _ident(role))
    return owner


def _grant_one(conn: Connection, role: str) -> None:
    schema = _ident(str(conn.execute(text("SELECT current_schema()")).scalar_one()))
    for statement in (
        f"REVOKE ALL ON SCHEMA {schema} FROM {role}",
        f"GRANT USAGE ON SCHEMA {schema} TO {role}",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {role}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {role}",
        f"REVOKE INSERT, UPDATE, DELETE ON {MIGRATIONS_TABLE} FROM {role}",
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {schema} FROM {role}",
        f"GRANT USAGE, UPDATE ON ALL SEQUENCES IN SCHEMA {schema} TO {role}",
        f"GRANT EXECUTE ON FUNCTION {FORGET_FUNCTION} TO {role}",
    ):
        conn.exec_driver_sql(statement)


def granted_roles(conn: Connection) -> list[str]:
    """The roles other than the owner that hold a member's privileges on the contact table."""
    rows = conn.execute(
        text(
            "SELECT DISTINCT pg_get_userbyid(acl.grantee) FROM pg_class c, "
            "aclexplode(c.relacl) acl WHERE c.oid = to_regclass('contact') "
            "AND acl.privilege_type = 'SELECT' AND acl.grantee <> 0 AND acl.grantee <> c.relowner"
        )
    )
    return sorted(str(row[0]) for row in rows)


def regrant(conn: Connection) -> None:
    """After an upgrade run by the owner: the members keep exactly a member's privileges, on
    the tables added by the upgrade too."""
    if conn.execute(text("SELECT to_regclass('contact') IS NOT NULL")).scalar_one():
        me = str(conn.execute(text("SELECT current_user")).scalar_one())
        if me == _owner(conn):
            for role in granted_roles(conn):
                _grant_one(conn, _ident(role))
