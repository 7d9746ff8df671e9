"""Reads and writes: the only package that builds queries, one module per thing it stores.

Callers import the module they need (`from netkeep.store import contacts`), so a command loads
only its own part of the store: `log` never loads the import, export or capture code. docs/store.md
is the map; `_sql` holds the fragments and helpers the modules share.
"""
