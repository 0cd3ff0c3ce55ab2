"""Development tools, run from the repository root; not part of the service (nor of its image).

- `python -m devtools.snapshot`: regenerate sql/schemas/ (the DDL the migrations produce).
- `python -m devtools.sqlcheck`: check the SQL conventions of sql/functions and sql/migrations.
"""
