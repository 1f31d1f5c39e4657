"""Image files an export ships beside its JSON, found by the name the export gives them."""

from __future__ import annotations

from pathlib import Path

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".gif", ".webp")


def beside(base: Path, folder: str, key: str) -> str | None:
    """`folder/<key>.<image suffix>` relative to `base` when that file exists.

    The canonical `path` then gives the image its sha256 and pHash
    (`cibgraph.ingest.images`); keys with path separators are never looked up.
    """
    if not key or "/" in key or "\\" in key or key.startswith("."):
        return None
    for suffix in ("", *IMAGE_SUFFIXES):
        candidate = base / folder / f"{key}{suffix}"
        if candidate.is_file():
            return f"{folder}/{key}{suffix}"
    return None


def relative_file(base: Path, rel: str) -> str | None:
    """`rel` when it names a file inside `base` (an export's own media path)."""
    if not rel or rel.startswith(("/", "\\")) or ".." in Path(rel).parts:
        return None
    return rel if (base / rel).is_file() else None
