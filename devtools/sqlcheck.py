"""Check the project's SQL conventions (docs/ARCHITECTURE.md) with pglast, without a database.

Every .sql file under sql/functions and sql/migrations must parse; every function pins its
search_path; PL/pgSQL bodies parse, raise PT error codes only and build dynamic SQL with
format() rather than `||`; every function in sql/functions is schema-qualified, commented and
revoked from PUBLIC in its own file; every table, view, schema and trigger has a COMMENT ON.

    python -m devtools.sqlcheck [sql_dir]
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pglast
from pglast import ast
from pglast.enums import ObjectType, RoleSpecType
from pglast.parser import ParseError

# SQLSTATEs a function may raise: PT + the HTTP status the web layer answers with.
ALLOWED_ERRCODES = frozenset(
    {"PT400", "PT401", "PT403", "PT404", "PT409", "PT422", "PT423", "PT429", "PT503"}
)
CHECKED_DIRS = ("functions", "migrations")

_ERROR_LEVEL = 21  # elog.h ERROR: RAISE EXCEPTION (the default level)
_RAISE_OPTION_ERRCODE = 0  # PLpgSQL_raise_option_type PLPGSQL_RAISEOPTION_ERRCODE
_DYNAMIC_QUERIES = {  # PL/pgSQL statements that run SQL text, and the member holding it
    "PLpgSQL_stmt_dynexecute": "query",
    "PLpgSQL_stmt_dynfors": "query",
    "PLpgSQL_stmt_open": "dynquery",
    "PLpgSQL_stmt_return_query": "dynquery",
}
_DECLARE_SECTION = re.compile(r"\bdeclare\b.*?\bbegin\b", re.IGNORECASE | re.DOTALL)
_OTHER_SCHEMA = re.compile(
    r"\b(?!(?:pg_catalog|public)\.)[a-z_][a-z0-9_$]*\.(?=[a-z_])", re.IGNORECASE
)
_FUNCTION_TYPES = (
    ObjectType.OBJECT_FUNCTION,
    ObjectType.OBJECT_PROCEDURE,
    ObjectType.OBJECT_ROUTINE,
)
_RELATION_TYPES = (ObjectType.OBJECT_TABLE, ObjectType.OBJECT_VIEW, ObjectType.OBJECT_MATVIEW)


@dataclass(frozen=True)
class Violation:
    file: str
    object: str
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.object}: [{self.rule}] {self.message}"


@dataclass(frozen=True)
class Statement:
    node: ast.Node
    text: str  # the statement's own source text
    line: int  # 1-based line in the file where it starts
    body_offset: int = 0  # where a function's or DO block's body ($$...$$) starts in `text`

    @property
    def body_line(self) -> int:
        """The file line PL/pgSQL's line 1 is on (its line numbers count from the body)."""
        return self.line + self.text.count("\n", 0, self.body_offset)


@dataclass(frozen=True)
class Body:
    """One PL/pgSQL body (function, procedure or DO block) and its parse result."""

    name: str
    line: int  # where the body starts: PL/pgSQL line numbers count from there
    tree: list | None  # parse_plpgsql's JSON, None when it did not parse
    error: str | None


# --- entry points -------------------------------------------------------------------------


def check_tree(root: str | Path) -> list[Violation]:
    """Check every .sql file under root/functions and root/migrations (root is the sql/ dir)."""
    root = Path(root)
    files = sorted(p for d in CHECKED_DIRS for p in (root / d).rglob("*.sql"))
    parsed = {path: parse_file(path) for path in files}
    comments = set()
    for statements, _ in parsed.values():
        comments |= commented_objects(statements)
    violations = []
    for path, (statements, error) in parsed.items():
        in_functions = path.relative_to(root).parts[0] == "functions"
        violations += _check_parsed(path, statements, error, comments, in_functions)
    return violations


def check_file(
    path: str | Path, comments: set[str] | None = None, in_functions: bool | None = None
) -> list[Violation]:
    """Check one file. COMMENT ON statements are looked up in `comments`, else in the file; the
    sql/functions rules apply when `in_functions`, else when the file's folder is `functions`."""
    path = Path(path)
    statements, error = parse_file(path)
    if comments is None:
        comments = commented_objects(statements)
    if in_functions is None:
        in_functions = path.parent.name == "functions"
    return _check_parsed(path, statements, error, comments, in_functions)


def _check_parsed(
    path: Path,
    statements: list[Statement],
    error: Violation | None,
    comments: set[str],
    in_functions: bool,
) -> list[Violation]:
    if error:
        return [error]
    bodies = plpgsql_bodies(statements)
    violations = (
        check_search_path(path, statements)
        + check_plpgsql_parses(path, bodies)
        + check_errcodes(path, bodies)
        + check_dynamic_sql(path, bodies)
        + check_object_comments(path, statements, comments)
    )
    if in_functions:
        violations += (
            check_qualified_names(path, statements)
            + check_function_comments(path, statements)
            + check_function_revokes(path, statements)
        )
    return violations


# --- parsing --------------------------------------------------------------------------------


def parse_file(path: Path) -> tuple[list[Statement], Violation | None]:
    """The file's statements, or a `parse` violation naming the position of the error."""
    text = path.read_text(encoding="utf-8")
    try:
        raw = pglast.parse_sql(text)
    except ParseError as exc:
        message, position = exc.args[0], exc.args[1] if len(exc.args) > 1 else None
        where = _line_col(text, position) if position is not None else "unknown position"
        return [], Violation(str(path), "file", "parse", f"{message} at {where}")
    statements = []
    for rs in raw:
        start = rs.stmt_location or 0
        end = start + rs.stmt_len if rs.stmt_len else len(text)
        source = text[start:end]
        start += len(source) - len(source.lstrip())
        as_ = _option(getattr(rs.stmt, "options", None) or getattr(rs.stmt, "args", None), "as")
        body_offset = as_.arg_location - start if as_ and as_.arg_location is not None else 0
        statements.append(
            Statement(rs.stmt, source.strip(), text.count("\n", 0, start) + 1, body_offset)
        )
    return statements, None


def plpgsql_bodies(statements: list[Statement]) -> list[Body]:
    """Parse every LANGUAGE plpgsql function or procedure and every DO block."""
    bodies = []
    for st in statements:
        if isinstance(st.node, ast.CreateFunctionStmt) and _language(st.node.options) == "plpgsql":
            name = function_name(st.node)
        elif isinstance(st.node, ast.DoStmt) and _language(st.node.args) in (None, "plpgsql"):
            name = f"DO block at line {st.line}"
        else:
            continue
        try:
            bodies.append(Body(name, st.body_line, _parse_plpgsql(st), None))
        except ParseError as exc:
            bodies.append(Body(name, st.body_line, None, exc.args[0]))
    return bodies


def _parse_plpgsql(st: Statement) -> list:
    """pglast.parse_plpgsql, past a libpg_query limit: it resolves types of pg_catalog and public
    only (pganalyze/libpg_query#355). Types of other schemas in the header and in DECLARE
    sections are read as public ones, which gives the tree of that fix: a record variable."""
    try:
        return pglast.parse_plpgsql(st.text)
    except ParseError as exc:
        if "LookupExplicitNamespace" not in exc.args[0]:
            raise
    header, body = st.text[: st.body_offset], st.text[st.body_offset :]
    body = _DECLARE_SECTION.sub(lambda m: _OTHER_SCHEMA.sub("public.", m.group()), body)
    return pglast.parse_plpgsql(_OTHER_SCHEMA.sub("public.", header) + body)


# --- rules ----------------------------------------------------------------------------------


def check_search_path(path: Path, statements: list[Statement]) -> list[Violation]:
    """Every CREATE FUNCTION / PROCEDURE has `SET search_path = ...` in its definition."""
    return [
        Violation(
            str(path),
            function_name(st.node),
            "search-path",
            f"line {st.line}: add `set search_path = ''` (or a fixed list) to the definition",
        )
        for st in _functions(statements)
        if not any(
            opt.defname == "set"
            and isinstance(opt.arg, ast.VariableSetStmt)
            and opt.arg.name == "search_path"
            for opt in st.node.options or ()
        )
    ]


def check_plpgsql_parses(path: Path, bodies: list[Body]) -> list[Violation]:
    """Every PL/pgSQL body parses (pglast.parse_plpgsql)."""
    return [
        Violation(str(path), body.name, "plpgsql-parse", f"line {body.line}: {body.error}")
        for body in bodies
        if body.error
    ]


def check_errcodes(path: Path, bodies: list[Body]) -> list[Violation]:
    """Every RAISE with an SQLSTATE uses an allowed PT code; every RAISE EXCEPTION has one."""
    violations = []
    for body in bodies:
        for kind, raise_ in _plpgsql_nodes(body.tree):
            if kind != "PLpgSQL_stmt_raise":
                continue
            problem = _errcode_problem(raise_)
            if problem:
                line = body.line + raise_.get("lineno", 1) - 1
                violations.append(
                    Violation(str(path), body.name, "errcode", f"line {line}: {problem}")
                )
    return violations


def check_dynamic_sql(path: Path, bodies: list[Body]) -> list[Violation]:
    """EXECUTE, FOR / OPEN / RETURN QUERY ... EXECUTE never build their SQL with `||`."""
    violations = []
    for body in bodies:
        for kind, stmt in _plpgsql_nodes(body.tree):
            member = _DYNAMIC_QUERIES.get(kind)
            query = stmt.get(member, {}).get("PLpgSQL_expr", {}).get("query") if member else None
            if query and _concatenates(query):
                line = body.line + stmt.get("lineno", 1) - 1
                violations.append(
                    Violation(
                        str(path),
                        body.name,
                        "dynamic-sql",
                        f"line {line}: dynamic SQL built with ||: {query!r}; "
                        "use format() with %I/%L, or EXECUTE ... USING",
                    )
                )
    return violations


def check_qualified_names(path: Path, statements: list[Statement]) -> list[Violation]:
    """Every function created in sql/functions is schema-qualified."""
    return [
        Violation(
            str(path),
            function_name(st.node),
            "qualified-name",
            f"line {st.line}: qualify the function name with its schema",
        )
        for st in _functions(statements)
        if len(st.node.funcname) < 2
    ]


def check_function_comments(path: Path, statements: list[Statement]) -> list[Violation]:
    """Every function created in a sql/functions file has a COMMENT ON FUNCTION in that file."""
    commented = {
        _dotted(st.node.object.objname)
        for st in statements
        if isinstance(st.node, ast.CommentStmt) and st.node.objtype in _FUNCTION_TYPES
    }
    return [
        Violation(
            str(path),
            name,
            "function-comment",
            f"add `comment on function {name}(...) is '...'` to this file",
        )
        for name in _function_names(statements)
        if name not in commented
    ]


def check_function_revokes(path: Path, statements: list[Statement]) -> list[Violation]:
    """Every function created in a sql/functions file is revoked from PUBLIC in that file."""
    revoked = {
        _dotted(obj.objname)
        for st in statements
        if isinstance(st.node, ast.GrantStmt)
        and not st.node.is_grant
        and st.node.objtype in _FUNCTION_TYPES
        and any(g.roletype == RoleSpecType.ROLESPEC_PUBLIC for g in st.node.grantees)
        for obj in st.node.objects
        if isinstance(obj, ast.ObjectWithArgs)
    }
    return [
        Violation(
            str(path),
            name,
            "function-revoke",
            f"add `revoke all on function {name}(...) from public` to this file",
        )
        for name in _function_names(statements)
        if name not in revoked
    ]


def check_object_comments(
    path: Path, statements: list[Statement], comments: set[str]
) -> list[Violation]:
    """Every table, view, schema and trigger created here has a COMMENT ON in `comments`."""
    return [
        Violation(
            str(path),
            key,
            "object-comment",
            f"add `comment on {key} is '...'` (DBAs read it in the SQL editor)",
        )
        for key in (_created_object(st.node) for st in statements)
        if key and key not in comments
    ]


# --- helpers ------------------------------------------------------------------------------


def commented_objects(statements: list[Statement]) -> set[str]:
    """Keys of the tables, views, schemas and triggers that have a COMMENT ON here."""
    keys = set()
    for st in statements:
        node = st.node
        if not isinstance(node, ast.CommentStmt):
            continue
        if node.objtype == ObjectType.OBJECT_SCHEMA:
            keys.add(f"schema {node.object.sval}")
        elif node.objtype in _RELATION_TYPES:
            keys.add(f"table {_dotted(node.object)}")
        elif node.objtype == ObjectType.OBJECT_TRIGGER:
            *table, trigger = (s.sval for s in node.object)
            keys.add(f"trigger {trigger} on {'.'.join(table)}")
    return keys


def _created_object(node: ast.Node) -> str | None:
    """The key `commented_objects` uses for an object this statement creates, if any."""
    if isinstance(node, ast.CreateSchemaStmt):
        return f"schema {node.schemaname}"
    if isinstance(node, ast.CreateStmt):
        return f"table {_relation(node.relation)}"
    if isinstance(node, ast.ViewStmt):
        return f"table {_relation(node.view)}"
    if isinstance(node, ast.CreateTableAsStmt):
        return f"table {_relation(node.into.rel)}"
    if isinstance(node, ast.CreateTrigStmt):
        return f"trigger {node.trigname} on {_relation(node.relation)}"
    return None


def function_name(node: ast.CreateFunctionStmt) -> str:
    return _dotted(node.funcname)


def _functions(statements: list[Statement]) -> list[Statement]:
    return [st for st in statements if isinstance(st.node, ast.CreateFunctionStmt)]


def _function_names(statements: list[Statement]) -> list[str]:
    return list(dict.fromkeys(function_name(st.node) for st in _functions(statements)))


def _dotted(names) -> str:
    return ".".join(n.sval for n in names)


def _relation(rv: ast.RangeVar) -> str:
    return f"{rv.schemaname}.{rv.relname}" if rv.schemaname else rv.relname


def _option(options, name: str) -> ast.DefElem | None:
    return next(
        (o for o in options or () if isinstance(o, ast.DefElem) and o.defname == name), None
    )


def _language(options) -> str | None:
    language = _option(options, "language")
    return language.arg.sval.lower() if language else None


def _line_col(text: str, position: int) -> str:
    line = text.count("\n", 0, position) + 1
    column = position - (text.rfind("\n", 0, position) + 1) + 1
    return f"line {line}, column {column}"


def _plpgsql_nodes(tree) -> Iterator[tuple[str, dict]]:
    """Every PLpgSQL_* node of a parse_plpgsql JSON tree, as (kind, members)."""
    if isinstance(tree, dict):
        for key, value in tree.items():
            if key.startswith("PLpgSQL_") and isinstance(value, dict):
                yield key, value
            yield from _plpgsql_nodes(value)
    elif isinstance(tree, list):
        for item in tree:
            yield from _plpgsql_nodes(item)


def _errcode_problem(raise_: dict) -> str | None:
    """What is wrong with one RAISE's SQLSTATE, or None."""
    codes = [raise_["condname"]] if "condname" in raise_ else []
    for option in raise_.get("options", ()):
        opt = option["PLpgSQL_raise_option"]
        if opt.get("opt_type", 0) == _RAISE_OPTION_ERRCODE:
            query = opt["expr"]["PLpgSQL_expr"]["query"]
            literal = re.fullmatch(r"\s*'([^']*)'\s*", query)
            codes.append(literal.group(1) if literal else query)
    bad = [code for code in codes if code not in ALLOWED_ERRCODES]
    if bad:
        return f"error code {bad[0]!r} is not one of {', '.join(sorted(ALLOWED_ERRCODES))}"
    is_error = raise_.get("elog_level", _ERROR_LEVEL) >= _ERROR_LEVEL
    is_reraise = "message" not in raise_ and "options" not in raise_ and "condname" not in raise_
    if is_error and not codes and not is_reraise:
        return "RAISE EXCEPTION without an error code: add `using errcode = 'PTnnn'`"
    return None


def _concatenates(expression: str) -> bool:
    """Whether a PL/pgSQL expression builds text with `||` (format()'s value arguments aside)."""
    try:
        tree = pglast.parse_sql(f"select {expression}")
    except ParseError:
        return "||" in expression
    return _has_concat(tree)


def _has_concat(node) -> bool:
    if isinstance(node, tuple):
        return any(_has_concat(item) for item in node)
    if not isinstance(node, ast.Node):
        return False
    if isinstance(node, ast.FuncCall) and node.funcname[-1].sval == "format" and node.args:
        return _has_concat(node.args[0])  # %I / %L quote the other arguments
    if isinstance(node, ast.A_Expr) and node.name and node.name[-1].sval == "||":
        return True
    return any(_has_concat(getattr(node, member)) for member in node)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    root = Path(args[0]) if args else Path(__file__).resolve().parent.parent / "sql"
    violations = check_tree(root)
    for violation in violations:
        print(violation)
    print(f"{len(violations)} violation(s) in {root}", file=sys.stderr)
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main())
