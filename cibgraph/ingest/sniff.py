"""Which format a file or folder is in, from its content (`cibgraph ingest PATH`, no `--format`).

Each file is recognised by what only its format has: file names for the
canonical dataset, a header row for CSVs, the first JSON line (or, for a
pretty-printed document, the keys near its start), a pipe-delimited line
that opens with an FEC committee id, a zip holding `cm*.txt`. A folder is
every format its files are in; more than one is ambiguous and the
candidates are listed with the file that suggested each.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from cibgraph.ingest.adapters import (
    bluesky,
    coortweet,
    crowdtangle,
    fec_committees,
    ira_tweets,
    meta_ad_library,
    x_api_v2,
)
from cibgraph.ingest.records import KINDS
from cibgraph.ingest.sources import open_binary

HEAD_BYTES = 64 * 1024
MAX_FILES = 2000
_SKIP_SUFFIXES = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".mp4", ".ogg", ".tgs", ".html", ".css")
_TELEGRAM_TYPE = re.compile(r'"type"\s*:\s*"(' + "|".join(re.escape(t) for t in (
    "public_channel", "private_channel", "public_supergroup", "private_supergroup",
    "private_group", "personal_chat", "bot_chat", "saved_messages",
)) + r')"')  # fmt: skip

# What each format reads, for "expected ..., found ..." messages.
EXPECTS = {
    "canonical": "a folder of accounts/posts/ads/....jsonl files (dataset-format.md)",
    "ira-tweets": "IRA tweet CSVs (author, content, publish_date, ...)",
    "twitter-users": "a users.csv of Twitter profiles (screen_name, created_at, ...)",
    "hpsci-ads": "the House committee's ads.csv (Ad ID, Ad Landing Page, ...)",
    "coortweet": "CooRTweet tables (account_id, post_id, ..., timestamp)",
    "instaloader": "instaloader .json/.json.xz metadata ({node, instaloader})",
    "meta-ad-library": "Ad Library API responses ({data: [ads with page_id, ...]}) or JSONL of ads",
    "fec-committees": "the FEC committee master file (cm.txt: C00000000|NAME|... 15 columns)",
    "crowdtangle": "CrowdTangle CSV exports (Facebook Id/Account, Post Created, ...)",
    "x-api-v2": "twarc2 JSONL (v2 response pages with data/includes, or flattened tweets)",
    "bluesky": "Jetstream JSON lines ({did, time_us, kind, commit|identity})",
    "telegram": "a Telegram Desktop result.json ({name, type, id, messages})",
}


@dataclass(frozen=True)
class Guess:
    format: str
    file: str
    reason: str

    def __str__(self) -> str:
        return f"{self.format} ({self.file}: {self.reason})"


class FormatError(ValueError):
    """The format cannot be told, or is not the one asked for."""

    def __init__(self, message: str, candidates: list[Guess] | None = None) -> None:
        super().__init__(message)
        self.candidates = candidates or []


def _head(path: Path) -> bytes:
    try:
        with open_binary(path) as fh:
            return fh.read(HEAD_BYTES)
    except (OSError, EOFError, ValueError):
        return b""
    except Exception:  # noqa: BLE001 - a corrupt .gz/.xz says nothing about the format
        return b""


def _json_guess(obj: object) -> tuple[str, str] | None:
    if bluesky.is_event(obj):
        return "bluesky", "a Jetstream event (did, time_us, kind)"
    if x_api_v2.is_page(obj):
        data = obj.get("data") if isinstance(obj, dict) else None
        first = data[0] if isinstance(data, list) and data else data
        if meta_ad_library.is_ad(first):
            return "meta-ad-library", "an Ad Library response (data with page_id, ad fields)"
        return "x-api-v2", "a v2 response page (data, includes/meta)"
    if x_api_v2.is_flat_tweet(obj):
        return "x-api-v2", "a flattened tweet (id, text, author_id)"
    if isinstance(obj, dict):
        data = obj.get("data")
        if isinstance(data, list) and data and meta_ad_library.is_ad(data[0]):
            return "meta-ad-library", "an Ad Library response (data with page_id, ad fields)"
        if isinstance(data, list) and not data and "paging" in obj:
            return "meta-ad-library", "an empty Ad Library response (data, paging)"
        if meta_ad_library.is_ad(obj):
            return "meta-ad-library", "an Ad Library ad (page_id and ad fields)"
        if isinstance(obj.get("node"), dict) and "instaloader" in obj:
            return "instaloader", "an instaloader structure (node, instaloader)"
        if isinstance(obj.get("messages"), list) and _TELEGRAM_TYPE.search(json.dumps(obj)[:2000]):
            return "telegram", "a Telegram export (name, type, id, messages)"
    return None


def _csv_guess(header: list[str]) -> tuple[str, str] | None:
    cols = set(header)
    if crowdtangle.is_crowdtangle(header):
        marks = [c for c in header if c in crowdtangle.MARKERS][:4]
        return "crowdtangle", f"CrowdTangle columns ({', '.join(marks)}, ...)"
    if "Ad ID" in cols and "Ad Landing Page" in cols:
        return "hpsci-ads", "columns Ad ID, Ad Landing Page"
    if ira_tweets.author_column(header):
        return "ira-tweets", "columns author, content, publish_date"
    if "screen_name" in cols and "created_at" in cols:
        return "twitter-users", "columns screen_name, created_at"
    if all(c in cols for c in coortweet.GERMAN) or all(c in cols for c in coortweet.RETWEETS):
        return "coortweet", "CooRTweet columns"
    return None


def sniff_file(path: Path) -> Guess | None:
    name = path.name.lower()
    stem = name.split(".")[0]
    if stem in KINDS and (name.endswith(".jsonl") or name.endswith(".jsonl.gz")):
        return Guess("canonical", path.name, f"a canonical {stem} file")
    if name.endswith(".zip"):
        try:
            with zipfile.ZipFile(path) as z:
                members = [m for m in z.namelist() if fec_committees.is_cm_file(Path(m))]
                if members:
                    line = z.open(members[0]).readline()
        except (OSError, zipfile.BadZipFile):
            return None
        if members and _fec_line(line):
            return Guess("fec-committees", path.name, f"a zip holding {members[0]}")
        return None
    head = _head(path)
    if not head.strip():
        return None
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff")
    first = text.split("\n", 1)[0]
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        try:
            found = _json_guess(json.loads(first))
        except json.JSONDecodeError:
            found = None
            try:
                found = _json_guess(json.loads(text))
            except json.JSONDecodeError:
                found = _pretty_guess(text)
        return Guess(found[0], path.name, found[1]) if found else None
    if _fec_line(first.encode("utf-8", errors="replace")):
        return Guess(
            "fec-committees", path.name, "pipe-delimited lines opening with a committee id"
        )
    if "," in first or "\t" in first:
        try:
            header = next(csv.reader(io.StringIO(first)))
        except (csv.Error, StopIteration):
            return None
        found = _csv_guess(header)
        return Guess(found[0], path.name, found[1]) if found else None
    return None


def _fec_line(line: bytes) -> bool:
    fields = line.rstrip(b"\r\n").split(b"|")
    return len(fields) == len(fec_committees.COLUMNS) and bool(
        fec_committees.CMTE_ID.match(fields[0].decode("ascii", errors="replace"))
    )


def _pretty_guess(text: str) -> tuple[str, str] | None:
    """A pretty-printed document, or a first line longer than the head read
    (a twarc2 page of 100 tweets is several hundred KiB): the keys near its start."""
    starts_with_data = re.match(r'\{\s*"data"\s*:\s*\[', text) is not None
    if starts_with_data and '"author_id"' in text and '"page_id"' not in text:
        return "x-api-v2", "a v2 response page (data with author_id)"
    if re.search(r'"messages"\s*:\s*\[', text) and _TELEGRAM_TYPE.search(text[:4000]):
        return "telegram", "a Telegram export (name, type, id, messages)"
    if re.search(r'"data"\s*:\s*\[', text[:200]) and '"page_id"' in text:
        if any(f'"{m}"' in text for m in meta_ad_library.MARKERS):
            return "meta-ad-library", "an Ad Library response (data with page_id, ad fields)"
    if '"node"' in text and '"instaloader"' in text:
        return "instaloader", "an instaloader structure (node, instaloader)"
    return None


def sniff(path: Path, stop_at: str | None = None) -> list[Guess]:
    """One guess per format found (the first file that suggested it); with
    `stop_at`, the walk ends at the first file in that format."""
    path = Path(path)
    if path.is_file():
        guess = sniff_file(path)
        return [guess] if guess else []
    found: dict[str, Guess] = {}
    files = (
        p
        for p in sorted(path.rglob("*"))
        if p.is_file()
        and not any(part.startswith(".") for part in p.relative_to(path).parts)
        and not p.name.lower().endswith(_SKIP_SUFFIXES)
    )
    for n, p in enumerate(files):
        if n >= MAX_FILES:
            break
        guess = sniff_file(p)
        if guess and guess.format not in found:
            found[guess.format] = Guess(guess.format, str(p.relative_to(path)), guess.reason)
            if guess.format == stop_at:
                break
    return list(found.values())


def choose(path: Path) -> Guess:
    """The one format of `path`, or a FormatError listing the candidates."""
    if not Path(path).exists():
        raise FileNotFoundError(f"{path}: no such file or folder")
    guesses = sniff(path)
    if len(guesses) == 1:
        return guesses[0]
    if not guesses:
        raise FormatError(
            f"{path}: cannot tell the format from its content; pass --format "
            f"(one of {', '.join(EXPECTS)})"
        )
    listed = "; ".join(str(g) for g in guesses)
    raise FormatError(
        f"{path}: more than one format could be meant: {listed}. Pass --format.", guesses
    )


def check(path: Path, fmt: str) -> None:
    """Fail fast when `path` is recognisably in another format than `fmt`."""
    guesses = sniff(path, stop_at=fmt)
    if not guesses or any(g.format == fmt for g in guesses):
        return
    found = "; ".join(str(g) for g in guesses)
    raise FormatError(
        f"{path}: --format {fmt} expects {EXPECTS.get(fmt, fmt)}, but found {found}", guesses
    )
