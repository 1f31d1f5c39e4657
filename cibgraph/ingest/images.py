"""Image objects: validation, hashing of image files, and the graph key."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

_PHASH = re.compile(r"^[0-9a-f]{16}$")
_SHA256 = re.compile(r"^[0-9a-fA-F]{64}$")

IMAGE_FIELDS = ("phash", "sha256", "url", "path")


class ImageError(ValueError):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def phash_file(path: Path) -> str:
    """64-bit DCT perceptual hash as 16 lowercase hex digits (imagehash.phash)."""
    import imagehash
    from PIL import Image

    with Image.open(path) as img:
        return str(imagehash.phash(img))


def phash_int(phash: str) -> int:
    """The 64 bits as a signed integer (Neo4j integers are signed 64-bit)."""
    value = int(phash, 16)
    return value - (1 << 64) if value >= (1 << 63) else value


def image_key(props: dict[str, Any]) -> str:
    if props.get("sha256"):
        return f"sha256:{props['sha256']}"
    if props.get("phash"):
        return f"phash:{props['phash']}"
    return f"url:{props['url']}"


def parse_image(obj: Any, base_dir: Path | None, *, trusted: bool = False) -> dict[str, Any]:
    """Validate one image object; return `{"key": ..., "props": {...}}` for the writer.

    `trusted` (adapters only) lets `_key` name the node directly, for sources
    whose image ids are not real hashes.
    """
    if not isinstance(obj, dict):
        raise ImageError("", "image must be an object")
    if trusted and obj.get("_key"):
        return {"key": str(obj["_key"]), "props": {}}
    props: dict[str, Any] = {}
    for name in IMAGE_FIELDS:
        value = obj.get(name)
        if value is None:
            continue
        if not isinstance(value, str) or not value:
            raise ImageError(name, "must be a non-empty string")
        props[name] = value
    if not props:
        raise ImageError("", "image object needs at least one of phash, sha256, url, path")
    if "phash" in props and not _PHASH.match(props["phash"]):
        raise ImageError("phash", "must be 16 lowercase hex digits")
    if "sha256" in props:
        if not _SHA256.match(props["sha256"]):
            raise ImageError("sha256", "must be 64 hex digits")
        props["sha256"] = props["sha256"].lower()
    if "path" in props and ("phash" not in props or "sha256" not in props):
        file = (base_dir or Path(".")) / props["path"]
        if not file.is_file():
            raise ImageError("path", f"image file not found: {file}")
        try:
            props.setdefault("sha256", sha256_file(file))
            props.setdefault("phash", phash_file(file))
        except OSError as e:
            raise ImageError("path", f"cannot read image {file}: {e}") from e
    if "phash" in props:
        props["phash_int"] = phash_int(props["phash"])
    return {"key": image_key(props), "props": props}
