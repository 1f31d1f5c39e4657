"""`crowdtangle`: the Facebook pages/groups and the Instagram CSV layouts, on the real server."""

from __future__ import annotations

import csv
from pathlib import Path

from _adapter_support import FIXTURES, load, load_twice, one, rejects

DIR = FIXTURES / "crowdtangle"


def _rows(name: str) -> list[dict[str, str]]:
    with (DIR / name).open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_both_layouts_load_and_reload_unchanged(graph) -> None:  # type: ignore[no-untyped-def]
    fb, ig = _rows("facebook_pages.csv"), _rows("instagram.csv")
    accounts = {r["Facebook Id"] for r in fb} | {r["User Name"] for r in ig}
    sponsored = [r for r in fb + ig if r["Sponsor Name"]]
    report = load_twice(graph, DIR, "crowdtangle")
    assert report.rejected == 0
    assert report.loaded == {
        "accounts": len(accounts),
        "posts": len(fb) + len(ig),
        "ads": len(sponsored),
    }
    page = graph.read("MATCH (a:Account {id: 'facebook:page:101010101010101'}) RETURN a")[0]["a"]
    # Followers at the latest post; the handle is the page's user name.
    assert page["followers"] == 15400 and page["handle"] == "patriotvoice"
    post = graph.read(
        "MATCH (:Account {id: 'facebook:page:101010101010101'})-[:POSTED]->"
        "(p:Post {id: 'facebook:post:101010101010101_3141592653589793'}) RETURN p"
    )[0]["p"]
    assert post["posted_at"].iso_format().startswith("2024-09-03T12:15:00")  # 08:15 EDT
    assert (post["likes"], post["comments"], post["shares"]) == (900, 120, 150)
    assert post["total_interactions"] == 1234 and post["post_type"] == "Link"
    assert post["followers_at_posting"] == 15230 and post["love"] == 40
    links = graph.read(
        "MATCH (:Post {id: 'facebook:post:101010101010101_3141592653589793'})-[:LINKS_TO]->(u:Url) "
        "RETURN u.url AS url ORDER BY url"
    )
    assert [r["url"] for r in links] == [
        "https://patriotvoice.example/join",
        "https://patriotvoice.example/join?ref=fb",
    ]
    cest = one(
        graph,
        "MATCH (p:Post {id: 'facebook:post:202020202020202_1618033988749894'}) RETURN p.posted_at",
    )
    assert cest.iso_format().startswith("2024-09-04T12:00:00")  # 14:00 CEST
    ig_post = graph.read(
        "MATCH (a:Account {id: 'instagram:user:riverfriend'})-[:POSTED]->"
        "(p:Post {id: 'instagram:p:C_zYxWvUtSr'})-[:HAS_MEDIA]->(i:Image) RETURN p, i"
    )[0]
    assert ig_post["i"]["url"].endswith("def.jpg") and ig_post["p"]["likes"] == 2000
    branded = graph.read(
        "MATCH (acc:Account)-[:BOUGHT]->(ad:Ad)-[:SPONSORED_BY]->(s:Sponsor), "
        "(ad)-[:PROMOTED]->(p:Post) RETURN acc.id AS acc, s.name AS sponsor, p.id AS post "
        "ORDER BY sponsor"
    )
    assert [(r["sponsor"], r["acc"], r["post"]) for r in branded] == [
        ("AquaBottle", "instagram:user:riverfriend", "instagram:p:C_zYxWvUtSr"),
        (
            "Liberty Boots Co.",
            "facebook:page:101010101010101",
            "facebook:post:101010101010101_2718281828459045",
        ),
    ]


def test_changed_headers_bad_rows_and_huge_fields(graph, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    text = (DIR / "facebook_pages.csv").read_text(encoding="utf-8")
    header, *lines = text.splitlines()
    # A later export renamed a column this needs: the file is one reject, at line 1.
    (tmp_path / "renamed.csv").write_text(
        header.replace("Facebook Id", "Facebook ID") + "\n" + "\n".join(lines) + "\n"
    )
    # An older one said `Created`: read as `Post Created` (documented tolerance).
    (tmp_path / "older.csv").write_text(
        text.replace(",Post Created,", ",Created,", 1).replace("patriotvoice/posts", "pv/posts")
    )
    rows = _rows("instagram.csv")
    rows[0]["Post Created"] = "03/09/2024 09:00"  # not a CrowdTangle time
    rows[1]["Post Created"] = "2024-09-04 10:30:00 XYZ"  # unknown zone
    rows[2]["Description"] = "d" * 1_000_000  # huge, kept whole
    extra = dict(rows[2], URL="https://www.instagram.com/p/C_bAdBytes/", Description="Caf\u00e9")
    with (tmp_path / "instagram.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, list(rows[0]))
        w.writeheader()
        w.writerows([*rows, extra])
    path = tmp_path / "instagram.csv"
    path.write_bytes(path.read_bytes().replace("Caf\u00e9".encode(), b"Caf\xe9"))
    report = load(graph, tmp_path, "crowdtangle")
    assert rejects(report) == {
        ("renamed.csv", 1, "Facebook Id"),
        ("instagram.csv", 2, "Post Created"),
        ("instagram.csv", 3, "Post Created"),
        ("instagram.csv", 5, "Description"),
    }
    reasons = {(Path(r.file).name, r.line): r.reason for r in report.rejects}
    assert "not UTF-8" in reasons[("instagram.csv", 5)]
    assert "XYZ" in reasons[("instagram.csv", 3)]
    # Kept: the older file's three posts and the huge Instagram one.
    assert report.loaded["posts"] == 3 + 1
    assert one(graph, "MATCH (p:Post {id: 'instagram:p:C_qQwWeErRt'}) RETURN size(p.text)") == (
        1_000_000
    )
