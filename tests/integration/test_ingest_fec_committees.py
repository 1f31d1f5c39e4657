"""`fec-committees`: the FEC committee master file, plain and zipped, against the real server."""

from __future__ import annotations

import zipfile
from pathlib import Path

from _adapter_support import FIXTURES, load, load_twice, one, rejects

DIR = FIXTURES / "fec"


def _committees() -> list[list[str]]:
    rows = [line.split("|") for line in (DIR / "cm.txt").read_text().splitlines() if line]
    with zipfile.ZipFile(DIR / "cm24.zip") as z:
        rows += [line.split("|") for line in z.read("cm.txt").decode().splitlines() if line]
    return rows


def test_loads_plain_and_zipped_and_reloads_unchanged(graph) -> None:  # type: ignore[no-untyped-def]
    rows = _committees()
    assert all(len(r) == 15 for r in rows)
    report = load_twice(graph, DIR, "fec-committees")
    assert report.rejected == 0 and report.loaded == {"sponsors": len(rows)}
    got = graph.read(
        "MATCH (s:Sponsor) RETURN s.registration_id AS id, s.registered AS reg, "
        "s.registry AS registry, s.name AS name ORDER BY id"
    )
    assert [(r["id"], r["name"]) for r in got] == sorted((r[0], r[1]) for r in rows)
    assert all(r["reg"] is True and r["registry"] == "FEC" for r in got)
    smith = graph.read("MATCH (s:Sponsor {registration_id: 'C00200006'}) RETURN s")[0]["s"]
    assert smith["candidate_id"] == "H0OH12345" and smith["committee_type"] == "H"
    assert smith["treasurer"] == "ALEXANDER HAMILTON" and smith["state"] == "OH"


def test_broken_lines_are_rejected_by_line_and_column(graph, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    good = (DIR / "cm.txt").read_bytes().splitlines()
    lines = [
        good[0],
        b"C00900001|CAF\xc9 SOCIETY PAC|A B|||X|VA|1|U|N|NON|Q|||",  # latin-1 byte
        b"C00900002|SHORT LINE|A B|||X|VA|1|U|N|NON|Q||",  # 14 columns
        b"X123|BAD ID PAC|A B|||X|VA|1|U|N|NON|Q|||",
        b"C00900003|" + b"N" * 5000 + b"|A B|||X|VA|1|U|N|NON|Q|||",  # huge field
        b"C00900004||A B|||X|VA|1|U|N|NON|Q|||",
        good[1],
    ]
    (tmp_path / "cm.txt").write_bytes(b"\n".join(lines) + b"\n")
    report = load(graph, tmp_path, "fec-committees")
    assert rejects(report) == {
        ("cm.txt", 2, "CMTE_NM"),
        ("cm.txt", 3, "CMTE_ID"),
        ("cm.txt", 4, "CMTE_ID"),
        ("cm.txt", 5, "CMTE_NM"),
        ("cm.txt", 6, "CMTE_NM"),
    }
    reasons = {r.line: r.reason for r in report.rejects}
    assert "not UTF-8" in reasons[2] and "found 14" in reasons[3] and "200" in reasons[5]
    assert report.loaded == {"sponsors": 2}
    assert one(graph, "MATCH (s:Sponsor) RETURN count(s)") == 2
