"""`fec-committees`: the FEC committee master file (`cm.txt`, or the `cm24.zip` it ships in).

The file has no header: 15 pipe-separated columns in the order the FEC's
data description gives (https://www.fec.gov/campaign-finance-data/committee-master-file-description/):
CMTE_ID | CMTE_NM | TRES_NM | CMTE_ST1 | CMTE_ST2 | CMTE_CITY | CMTE_ST |
CMTE_ZIP | CMTE_DSGN | CMTE_TP | CMTE_PTY_AFFILIATION | CMTE_FILING_FREQ |
ORG_TP | CONNECTED_ORG_NM | CAND_ID.

Each line becomes a registry entry (a canonical sponsor): name = CMTE_NM,
`registry: "FEC"`, `registration_id` = CMTE_ID, with the treasurer, city,
state, designation, type, party, filing frequency, interest group category,
connected organisation and candidate id as properties. Ad sponsors match
these by the normalised name (case, punctuation and spacing do not count),
so "Citizens for X, Inc." is the registered "CITIZENS FOR X INC".
Addresses (street, ZIP) are not kept: they identify treasurers, not sponsors.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import IO, Any

from cibgraph.ingest.sources import Item, ParseError, Source

COLUMNS = (
    "CMTE_ID",
    "CMTE_NM",
    "TRES_NM",
    "CMTE_ST1",
    "CMTE_ST2",
    "CMTE_CITY",
    "CMTE_ST",
    "CMTE_ZIP",
    "CMTE_DSGN",
    "CMTE_TP",
    "CMTE_PTY_AFFILIATION",
    "CMTE_FILING_FREQ",
    "ORG_TP",
    "CONNECTED_ORG_NM",
    "CAND_ID",
)
_PROPS = {
    "TRES_NM": "treasurer",
    "CMTE_CITY": "city",
    "CMTE_ST": "state",
    "CMTE_DSGN": "designation",
    "CMTE_TP": "committee_type",
    "CMTE_PTY_AFFILIATION": "party",
    "CMTE_FILING_FREQ": "filing_frequency",
    "ORG_TP": "org_type",
    "CONNECTED_ORG_NM": "connected_org",
    "CAND_ID": "candidate_id",
}
# "A 9-character alpha-numeric code": C followed by eight digits in practice.
CMTE_ID = re.compile(r"^C\d{8}$")
_MAX_NAME = 200  # VARCHAR2(200)


def is_cm_file(path: Path) -> bool:
    name = path.name.lower()
    return bool(re.match(r"^cm\d*\.(txt|zip)$", name))


def _files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    return sorted(p for p in path.rglob("*") if p.is_file() and is_cm_file(p))


def _open(path: Path) -> tuple[IO[bytes], zipfile.ZipFile | None]:
    if path.suffix.lower() == ".zip":
        archive = zipfile.ZipFile(path)
        members = [m for m in archive.namelist() if m.lower().endswith(".txt")]
        if not members:
            archive.close()
            raise ParseError("the zip holds no .txt file")
        return archive.open(members[0]), archive
    return path.open("rb"), None


def parse_line(data: bytes) -> dict[str, Any]:
    """One line → a sponsor record; ParseError names the column that is wrong."""
    fields = data.rstrip(b"\r\n").split(b"|")
    if len(fields) != len(COLUMNS):
        raise ParseError(
            f"expected {len(COLUMNS)} pipe-separated columns, found {len(fields)}", "CMTE_ID"
        )
    values: dict[str, str] = {}
    for column, raw in zip(COLUMNS, fields, strict=True):
        try:
            values[column] = raw.decode("utf-8").strip()
        except UnicodeDecodeError as e:
            raise ParseError(f"not UTF-8: byte 0x{raw[e.start]:02x}", column) from e
    if not CMTE_ID.match(values["CMTE_ID"]):
        raise ParseError(
            f"not an FEC committee id (C + 8 digits): {values['CMTE_ID']!r}", "CMTE_ID"
        )
    name = values["CMTE_NM"]
    if not name:
        raise ParseError("committee name missing", "CMTE_NM")
    if len(name) > _MAX_NAME:
        raise ParseError(f"longer than the documented {_MAX_NAME} characters", "CMTE_NM")
    obj: dict[str, Any] = {"name": name, "registry": "FEC", "registration_id": values["CMTE_ID"]}
    for column, prop in _PROPS.items():
        if values[column]:
            obj[prop] = values[column]
    return obj


def _items(path: Path) -> Iterator[Item]:
    try:
        fh, archive = _open(path)
    except (OSError, zipfile.BadZipFile, ParseError) as e:
        yield 1, "", e if isinstance(e, ParseError) else ParseError(f"cannot read file: {e}")
        return
    try:
        for n, data in enumerate(fh, 1):
            if not data.strip():
                continue
            raw = data.decode("utf-8", errors="replace").rstrip("\r\n")
            try:
                yield n, raw, parse_line(data)
            except ParseError as e:
                yield n, raw, e
    finally:
        fh.close()
        if archive:
            archive.close()


def sources(path: Path) -> list[Source]:
    return [Source("sponsors", f, partial(_items, f), trusted=True) for f in _files(path)]
