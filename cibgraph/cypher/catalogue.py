"""The stored-query catalogue: `.cypher` files with a declarative header.

Header lines (`//` comments before the first line of Cypher):

    // name: co_posting_pairs
    // description: Pairs of accounts that posted the same item within a window.
    // param: window_seconds int = 60 : largest gap between the two posts, in seconds
    // param: hashtags list[str] : required (no default)
    // columns: account_id, other_account_id, shared, first_at, last_at

A description may run over several `// description:` or indented `//   ...`
lines. Types: str, int, float, bool, date, datetime, list[str], list[int],
list[float]. A parameter without `= default` is required. The same
declarations drive the CLI options, API query parameters, docs and the Neo4j
Browser guide.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

TYPES = ("str", "int", "float", "bool", "date", "datetime", "list[str]", "list[int]", "list[float]")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_PARAM = re.compile(
    r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s+(?P<type>[a-z\[\]]+)"
    r"(?:\s*=\s*(?P<default>.*?))?(?:\s+:\s+(?P<help>.*))?$"
)


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
    return value if value.tzinfo else value.replace(tzinfo=UTC)


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

    def parse(self, raw: Any) -> Any:
        try:
            return coerce(self.type, raw)
        except (ValueError, TypeError, json.JSONDecodeError) as e:
            raise ParamError(self.name, f"expected {self.type}: {e}") from e

    @property
    def default_text(self) -> str:
        """The default as a Cypher literal, for `:param` lines and docs."""
        return cypher_literal(self.default)


@dataclass(frozen=True)
class StoredQuery:
    name: str
    description: str
    cypher: str
    params: tuple[Param, ...] = ()
    columns: tuple[str, ...] = ()
    path: str = ""
    extra: dict[str, str] = field(default_factory=dict)

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


def parse_query(text: str, path: str = "<string>") -> StoredQuery:
    header: dict[str, list[str]] = {}
    params: list[Param] = []
    body: list[str] = []
    last_key: str | None = None
    in_header = True
    for lineno, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if in_header and stripped.startswith("//"):
            content = stripped[2:].strip()
            m = re.match(r"^([a-z_]+):\s*(.*)$", content)
            if m:
                key, value = m.group(1), m.group(2).strip()
                if key == "param":
                    params.append(_parse_param(value, path, lineno))
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
    for p in params:
        if f"${p.name}" not in cypher:
            raise CatalogueError(f"{path}: parameter ${p.name} is declared but not used")
    columns = tuple(c.strip() for c in ",".join(header.get("columns", [])).split(",") if c.strip())
    extra = {
        k: " ".join(v) for k, v in header.items() if k not in {"name", "description", "columns"}
    }
    return StoredQuery(name, description, cypher, tuple(params), columns, path, extra)


def _parse_param(spec: str, path: str, lineno: int) -> Param:
    m = _PARAM.match(spec)
    if not m:
        raise CatalogueError(f"{path}:{lineno}: cannot read parameter declaration {spec!r}")
    type_ = m.group("type")
    if type_ not in TYPES:
        raise CatalogueError(f"{path}:{lineno}: unknown type {type_!r} (one of {', '.join(TYPES)})")
    raw_default = m.group("default")
    help_ = (m.group("help") or "").strip()
    if raw_default is None:
        return Param(m.group("name"), type_, None, True, help_)
    raw_default = raw_default.strip()
    if raw_default == "null":
        return Param(m.group("name"), type_, None, False, help_)
    try:
        if type_ == "str" and raw_default[:1] in {'"', "'"}:
            raw_default = json.loads('"' + raw_default[1:-1] + '"')
        default = coerce(type_, raw_default)
    except (ValueError, json.JSONDecodeError) as e:
        raise CatalogueError(f"{path}:{lineno}: default {raw_default!r}: {e}") from e
    return Param(m.group("name"), type_, default, False, help_)


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
