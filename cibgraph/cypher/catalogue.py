"""The stored-query catalogue: `.cypher` files with a declarative header.

Header lines (`//` comments before the first line of Cypher):

    // name: co_posting_pairs
    // description: Pairs of accounts that posted the same item within a window.
    // param: window_seconds int = 60 [1..86400] : largest gap between the two posts, in seconds
    // param: hashtags list[str] [1..100] : required (no default), 1 to 100 of them
    // columns: account_id, other_account_id, shared, first_at, last_at
    // view: pairs account_id other_account_id weight=shared
    // cost: heavy

A description may run over several `// description:` or indented `//   ...`
lines. Types: str, int, float, bool, date, datetime, list[str], list[int],
list[float]. A parameter without `= default` is required. Bounds in `[lo..hi]`
are inclusive: int and float parameters must declare both; lists declare
their length (`[..100]` or `[1..100]`); a str may declare its greatest length
(`[..200]`). The same declarations drive the CLI options, the API's routes
and OpenAPI schema, docs and the Neo4j Browser guide.

The contract is checked when a file is read: only the keys above; no parameter
named like the API's or CLI's own options (`RESERVED`); every `$param` in the
Cypher (outside comments and string literals) declared, and every declared one
used. `// view:` says how rows are drawn as a network (see `ViewSpec`);
`// cost: heavy` marks a query that may keep the database busy (the API caps
how many run at once).
`tests/test_catalogue_explain.py` checks `columns` and read-only-ness against
the real server.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

TYPES = ("str", "int", "float", "bool", "date", "datetime", "list[str]", "list[int]", "list[float]")
NUMERIC = ("int", "float")
HEADER_KEYS = ("name", "description", "param", "columns", "view", "cost")
COSTS = ("light", "heavy")
# Names the API's routes and the CLI use for themselves (paging, output, view size).
RESERVED = frozenset({"limit", "offset", "format", "cap", "name"})
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_NUM = r"[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?"
_PARAM = re.compile(
    r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s+(?P<type>[a-z\[\]]+)"
    r"(?:\s*=\s*(?P<default>.*?))?"
    rf"(?:\s*\[(?P<lo>{_NUM})?\.\.(?P<hi>{_NUM})?\])?"
    r"(?:\s+:\s+(?P<help>.*))?$"
)
_MAX_UTC_OFFSET = timedelta(hours=18)
_DOLLAR = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


class CatalogueError(ValueError):
    """A `.cypher` file's header is malformed."""


class ParamError(ValueError):
    """A parameter value does not fit its declared type."""

    def __init__(self, param: str, message: str) -> None:
        super().__init__(f"parameter {param!r}: {message}")
        self.param = param


def _parse_datetime(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as e:
        raise ValueError(f"{text!r} is not an ISO 8601 date-time") from e
    if not value.tzinfo:
        return value.replace(tzinfo=UTC)
    offset = value.utcoffset()
    if offset is not None and abs(offset) > _MAX_UTC_OFFSET:
        raise ValueError(f"{text!r} has a UTC offset beyond ±18:00, which Neo4j cannot hold")
    return value


def _parse_bool(text: str) -> bool:
    low = text.strip().lower()
    if low in {"true", "1", "yes", "on"}:
        return True
    if low in {"false", "0", "no", "off"}:
        return False
    raise ValueError(f"{text!r} is not true or false")


_SCALAR: dict[str, Callable[[str], Any]] = {
    "str": str,
    "int": int,
    "float": float,
    "bool": _parse_bool,
    "date": date.fromisoformat,
    "datetime": _parse_datetime,
}


def coerce(type_: str, raw: Any) -> Any:
    """Turn a raw value (a string from the CLI or a query string, or JSON) into `type_`."""
    if type_.startswith("list["):
        inner = type_[5:-1]
        if isinstance(raw, str):
            text = raw.strip()
            if text.startswith("["):
                items = json.loads(text)
            else:
                items = [p.strip() for p in text.split(",") if p.strip()]
        elif isinstance(raw, list | tuple):
            items = list(raw)
        else:
            raise ValueError(f"{raw!r} is not a list")
        return [coerce(inner, i) for i in items]
    if type_ == "int" and isinstance(raw, bool):
        raise ValueError(f"{raw!r} is not an integer")
    if isinstance(raw, str) or type_ in {"date", "datetime", "bool"}:
        return _SCALAR[type_](raw if isinstance(raw, str) else str(raw))
    if type_ == "float" and isinstance(raw, int | float):
        return float(raw)
    if type_ == "int" and isinstance(raw, int):
        return raw
    if type_ == "str":
        return str(raw)
    raise ValueError(f"{raw!r} is not a {type_}")


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    default: Any = None
    required: bool = False
    help: str = ""
    # Inclusive: the value for int/float, the length for lists and str.
    minimum: float | None = None
    maximum: float | None = None

    @property
    def is_list(self) -> bool:
        return self.type.startswith("list[")

    @property
    def bounds_text(self) -> str:
        if self.minimum is None and self.maximum is None:
            return ""
        lo = "" if self.minimum is None else _num_text(self.minimum)
        hi = "" if self.maximum is None else _num_text(self.maximum)
        return f"[{lo}..{hi}]"

    def parse(self, raw: Any) -> Any:
        try:
            value = coerce(self.type, raw)
        except (ValueError, TypeError, OverflowError, json.JSONDecodeError) as e:
            raise ParamError(self.name, f"expected {self.type}: {e}") from e
        problem = self.out_of_bounds(value)
        if problem:
            raise ParamError(self.name, problem)
        return value

    def out_of_bounds(self, value: Any) -> str | None:
        """Why `value` breaks the declared bounds, or None."""
        if value is None:
            return None
        lo, hi = self.minimum, self.maximum
        if self.type in NUMERIC:
            if value != value or not ((lo is None or value >= lo) and (hi is None or value <= hi)):
                return f"{value!r} is outside {self.bounds_text}"
            return None
        if self.is_list or self.type == "str":
            n = len(value)
            what = "items" if self.is_list else "characters"
            if lo is not None and n < lo:
                return f"has {n} {what}, at least {_num_text(lo)} are needed"
            if hi is not None and n > hi:
                return f"has {n} {what}, at most {_num_text(hi)} are allowed"
        return None

    @property
    def default_text(self) -> str:
        """The default as a Cypher literal, for `:param` lines and docs."""
        return cypher_literal(self.default)


VIEW_KINDS = ("pairs", "related", "sets", "accounts")


@dataclass(frozen=True)
class ViewSpec:
    """How a query's rows become a network (`// view: KIND COLUMN [COLUMN] [weight=COLUMN]`).

    - `pairs A B`: an edge per row between accounts A and B;
    - `related A IDS`: account A linked to each account in the list IDS;
    - `sets IDS`: the accounts in the list IDS, one colour per row;
    - `accounts A`: one node per row.

    `weight=COLUMN` sizes edges; `label=COLUMN` names each row's set.
    """

    kind: str
    columns: tuple[str, ...]
    weight: str | None = None
    label: str | None = None


@dataclass(frozen=True)
class StoredQuery:
    name: str
    description: str
    cypher: str
    params: tuple[Param, ...] = ()
    columns: tuple[str, ...] = ()
    path: str = ""
    view: ViewSpec | None = None
    # `// cost: heavy`: may keep the database busy; the API runs few at once.
    heavy: bool = False

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise ParamError(name, f"{self.name} has no such parameter")

    def bind(self, raw: dict[str, Any]) -> dict[str, Any]:
        """Validate and coerce caller values; fill defaults; refuse unknown or missing ones."""
        known = {p.name for p in self.params}
        unknown = sorted(set(raw) - known)
        if unknown:
            raise ParamError(unknown[0], f"{self.name} has no such parameter")
        out: dict[str, Any] = {}
        for p in self.params:
            if p.name in raw and raw[p.name] is not None:
                out[p.name] = p.parse(raw[p.name])
            elif p.required:
                raise ParamError(p.name, "is required")
            else:
                out[p.name] = p.default
        return out


def cypher_literal(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, datetime):
        return f"datetime({json.dumps(value.isoformat())})"
    if isinstance(value, date):
        return f"date({json.dumps(value.isoformat())})"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(cypher_literal(v) for v in value) + "]"
    # json.dumps gives a double-quoted string with escapes Cypher also reads.
    return json.dumps(str(value))


def _num_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)


def strip_literals(cypher: str) -> str:
    """The Cypher with comments, string literals and `quoted` names blanked out.

    Line breaks stay, so positions still point at the same lines.
    """
    out: list[str] = []
    i, n = 0, len(cypher)
    while i < n:
        c = cypher[i]
        two = cypher[i : i + 2]
        if two == "//":
            j = cypher.find("\n", i)
            j = n if j < 0 else j
        elif two == "/*":
            j = cypher.find("*/", i + 2)
            j = n if j < 0 else j + 2
        elif c in "'\"`":
            j = i + 1
            while j < n and cypher[j] != c:
                j += 2 if cypher[j] == "\\" and c != "`" else 1
            j = min(j + 1, n)
        else:
            out.append(c)
            i += 1
            continue
        out.append("".join(ch if ch == "\n" else " " for ch in cypher[i:j]))
        i = j
    return "".join(out)


def used_params(cypher: str) -> set[str]:
    """The `$name` parameters the Cypher refers to, as whole identifiers."""
    return set(_DOLLAR.findall(strip_literals(cypher)))


def _parse_view(value: str, where: str, columns: tuple[str, ...]) -> ViewSpec:
    words = value.split()
    options: dict[str, str] = {}
    rest = []
    for w in words[1:]:
        key, eq, col = w.partition("=")
        if eq and key in {"weight", "label"}:
            options[key] = col
        else:
            rest.append(w)
    arity = {"pairs": 2, "related": 2, "sets": 1, "accounts": 1}
    if not words or words[0] not in arity or len(rest) != arity[words[0]]:
        raise CatalogueError(
            f"{where}: cannot read '// view: {value}' (pairs A B, related A IDS, sets IDS or "
            "accounts A, optionally with weight=COLUMN and label=COLUMN)"
        )
    for col in [*rest, *options.values()]:
        if col not in columns:
            raise CatalogueError(f"{where}: view column {col!r} is not in '// columns:'")
    return ViewSpec(words[0], tuple(rest), options.get("weight"), options.get("label"))


def parse_query(text: str, path: str = "<string>") -> StoredQuery:
    header: dict[str, list[str]] = {}
    params: list[Param] = []
    body: list[str] = []
    last_key: str | None = None
    in_header = True
    view_line: tuple[str, int] | None = None
    for lineno, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if in_header and stripped.startswith("//"):
            content = stripped[2:].strip()
            m = re.match(r"^([a-z_]+):\s*(.*)$", content)
            if m:
                key, value = m.group(1), m.group(2).strip()
                if key not in HEADER_KEYS:
                    raise CatalogueError(
                        f"{path}:{lineno}: unknown header key {key!r} "
                        f"(one of {', '.join(HEADER_KEYS)})"
                    )
                if key == "param":
                    params.append(_parse_param(value, path, lineno))
                elif key == "view":
                    view_line = (value, lineno)
                else:
                    header.setdefault(key, []).append(value)
                last_key = key
            elif content and last_key == "description" and line.startswith("//  "):
                header["description"].append(content)
            continue
        if in_header and not stripped:
            continue
        in_header = False
        body.append(line)
    name = " ".join(header.get("name", [])).strip()
    if not _NAME.match(name):
        raise CatalogueError(f"{path}: missing or invalid '// name:' ({name!r})")
    description = " ".join(header.get("description", [])).strip()
    if not description:
        raise CatalogueError(f"{path}: missing '// description:'")
    cypher = "\n".join(body).strip().rstrip(";").strip()
    if not cypher:
        raise CatalogueError(f"{path}: no Cypher after the header")
    names = [p.name for p in params]
    if len(set(names)) != len(names):
        raise CatalogueError(f"{path}: a parameter is declared twice")
    used = used_params(cypher)
    for p in params:
        if p.name not in used:
            raise CatalogueError(f"{path}: parameter ${p.name} is declared but not used")
    undeclared = sorted(used - set(names))
    if undeclared:
        raise CatalogueError(
            f"{path}: ${undeclared[0]} is used but not declared (add a '// param:' line)"
        )
    columns = tuple(c.strip() for c in ",".join(header.get("columns", [])).split(",") if c.strip())
    if len(set(columns)) != len(columns):
        raise CatalogueError(f"{path}: a column is listed twice in '// columns:'")
    view = None
    if view_line is not None:
        view = _parse_view(view_line[0], f"{path}:{view_line[1]}", columns)
    cost = " ".join(header.get("cost", ["light"])).strip()
    if cost not in COSTS:
        raise CatalogueError(f"{path}: '// cost: {cost}' is not one of {', '.join(COSTS)}")
    return StoredQuery(
        name, description, cypher, tuple(params), columns, path, view, cost == "heavy"
    )


def _parse_param(spec: str, path: str, lineno: int) -> Param:
    where = f"{path}:{lineno}"
    m = _PARAM.match(spec)
    if not m:
        raise CatalogueError(f"{where}: cannot read parameter declaration {spec!r}")
    name, type_ = m.group("name"), m.group("type")
    if type_ not in TYPES:
        raise CatalogueError(f"{where}: unknown type {type_!r} (one of {', '.join(TYPES)})")
    if name in RESERVED:
        raise CatalogueError(
            f"{where}: parameter name {name!r} is reserved for the API and CLI's own options "
            f"({', '.join(sorted(RESERVED))})"
        )
    lo, hi = m.group("lo"), m.group("hi")
    minimum = float(lo) if lo is not None else None
    maximum = float(hi) if hi is not None else None
    if m.group("lo") is not None or m.group("hi") is not None:
        if type_ not in NUMERIC and type_ != "str" and not type_.startswith("list["):
            raise CatalogueError(f"{where}: a {type_} parameter takes no bounds")
        if type_ == "int" or type_ == "str" or type_.startswith("list["):
            if any(v is not None and not v.is_integer() for v in (minimum, maximum)):
                raise CatalogueError(f"{where}: bounds of {name} must be whole numbers")
        if minimum is not None and maximum is not None and minimum > maximum:
            raise CatalogueError(f"{where}: bounds of {name} are empty ({lo} > {hi})")
    if type_ in NUMERIC and (minimum is None or maximum is None):
        raise CatalogueError(
            f"{where}: {type_} parameter {name} needs bounds, e.g. '{name} {type_} = ... [0..100]'"
        )
    if type_.startswith("list[") and maximum is None:
        raise CatalogueError(
            f"{where}: list parameter {name} needs a greatest length, e.g. '[..100]'"
        )
    if type_ != "float":
        minimum = int(minimum) if minimum is not None else None
        maximum = int(maximum) if maximum is not None else None
    help_ = (m.group("help") or "").strip()
    raw_default = m.group("default")
    if raw_default is None:
        return Param(name, type_, None, True, help_, minimum, maximum)
    raw_default = raw_default.strip()
    if raw_default == "null":
        return Param(name, type_, None, False, help_, minimum, maximum)
    try:
        if type_ == "str" and raw_default[:1] in {'"', "'"}:
            raw_default = json.loads('"' + raw_default[1:-1] + '"')
        default = coerce(type_, raw_default)
    except (ValueError, json.JSONDecodeError) as e:
        raise CatalogueError(f"{where}: default {raw_default!r}: {e}") from e
    param = Param(name, type_, default, False, help_, minimum, maximum)
    problem = param.out_of_bounds(default)
    if problem:
        raise CatalogueError(f"{where}: default of {name} {problem}")
    return param


def load_dir(folder: Path) -> dict[str, StoredQuery]:
    out: dict[str, StoredQuery] = {}
    for f in sorted(folder.glob("*.cypher")):
        q = parse_query(f.read_text(encoding="utf-8"), str(f))
        if q.name in out:
            raise CatalogueError(f"{f}: query name {q.name!r} is also used by {out[q.name].path}")
        out[q.name] = q
    return out


@lru_cache(maxsize=1)
def load_catalogue() -> dict[str, StoredQuery]:
    """Every stored query shipped in `cibgraph/cypher/`, by name."""
    folder = Path(str(resources.files("cibgraph.cypher")))
    return load_dir(folder)
