"""The one settings object, read from the environment and an optional `.env`."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

MIN_PASSWORD_LENGTH = 8


def _default_home() -> Path:
    # XDG data dir: the server's jars and store outlive any one checkout.
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "cibgraph"


class Settings(BaseSettings):
    """Every knob of cibgraph. Environment names are given in `alias`/`validation_alias`."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    neo4j_uri: str = Field("bolt://127.0.0.1:7687", validation_alias="NEO4J_URI")
    neo4j_user: str = Field("neo4j", validation_alias="NEO4J_USER")
    neo4j_password: SecretStr | None = Field(None, validation_alias="NEO4J_PASSWORD")
    neo4j_database: str = Field("neo4j", validation_alias="NEO4J_DATABASE")

    cibgraph_home: Path = Field(default_factory=_default_home, validation_alias="CIBGRAPH_HOME")
    # The local server (ignored when NEO4J_URI points elsewhere).
    bolt_port: int = Field(7687, validation_alias="CIBGRAPH_BOLT_PORT")
    http_port: int = Field(7474, validation_alias="CIBGRAPH_HTTP_PORT")
    heap_size: str = Field("2g", validation_alias="CIBGRAPH_HEAP_SIZE")
    pagecache_size: str = Field("2g", validation_alias="CIBGRAPH_PAGECACHE_SIZE")
    start_timeout: float = Field(180.0, validation_alias="CIBGRAPH_START_TIMEOUT")
    java: str = Field("java", validation_alias="CIBGRAPH_JAVA")
    # `detect --engine spark`: the Spark master (local[*], spark://host:7077, yarn, k8s://...).
    spark_master: str = Field("local[*]", validation_alias="CIBGRAPH_SPARK_MASTER")
    # where the actions are exported as Parquet; on a cluster, a directory every node mounts
    spark_staging: Path | None = Field(None, validation_alias="CIBGRAPH_SPARK_STAGING")

    # `cibgraph detect` stops with a clear message past this resident size (None: 90 % of the
    # memory available when it starts; detect/budget.py).
    detect_memory_mb: int | None = Field(None, ge=1, validation_alias="CIBGRAPH_DETECT_MEMORY_MB")
    # Queries and API.
    query_timeout: float = Field(30.0, validation_alias="CIBGRAPH_QUERY_TIMEOUT")
    result_cap: int = Field(10_000, validation_alias="CIBGRAPH_RESULT_CAP")
    # Stored queries marked `// cost: heavy` running at once, per API key and in all.
    heavy_per_key: int = Field(2, ge=1, validation_alias="CIBGRAPH_HEAVY_PER_KEY")
    heavy_total: int = Field(3, ge=1, validation_alias="CIBGRAPH_HEAVY_TOTAL")
    # Threads per worker serving the API's blocking endpoints (the driver is sync). Each
    # request holds the GIL to decode Bolt and encode JSON, so more threads only lengthen the
    # tail (8 against anyio's 40: p95 1.18 against 1.49 of the driver's, docs/api.md).
    api_threads: int = Field(8, ge=1, validation_alias="CIBGRAPH_API_THREADS")
    # uvicorn worker processes for `cibgraph serve`: one per core of a 2-core machine keeps
    # up with the driver (docs/api.md, "Load benchmark").
    api_workers: int = Field(2, ge=1, validation_alias="CIBGRAPH_API_WORKERS")
    # Shared by the workers of one server so the heavy-query caps hold across them.
    api_slot_dir: Path | None = Field(None, validation_alias="CIBGRAPH_API_SLOT_DIR")
    api_host: str = Field("127.0.0.1", validation_alias="CIBGRAPH_API_HOST")
    api_port: int = Field(8000, validation_alias="CIBGRAPH_API_PORT")
    # "key:role[:name],..." with role reader, analyst or admin; the name signs verdicts.
    api_keys: str = Field("", validation_alias="CIBGRAPH_API_KEYS")
    cors_origins: str = Field("", validation_alias="CIBGRAPH_CORS_ORIGINS")
    browser_url: str = Field(
        "http://127.0.0.1:7474/browser/", validation_alias="CIBGRAPH_BROWSER_URL"
    )

    @field_validator("cibgraph_home", mode="before")
    @classmethod
    def _expand_home(cls, v: object) -> object:
        return Path(str(v)).expanduser() if v is not None else v

    def password(self) -> str:
        """The Neo4j password, or a clear error before anything is started or connected."""
        if self.neo4j_password is None or not self.neo4j_password.get_secret_value():
            raise SettingsError(
                "NEO4J_PASSWORD is not set. Set it in the environment or in .env "
                f"(at least {MIN_PASSWORD_LENGTH} characters), e.g. NEO4J_PASSWORD=change-me-now"
            )
        value = self.neo4j_password.get_secret_value()
        if len(value) < MIN_PASSWORD_LENGTH:
            raise SettingsError(
                f"NEO4J_PASSWORD is too short ({len(value)} characters); "
                f"Neo4j needs at least {MIN_PASSWORD_LENGTH}."
            )
        return value

    @property
    def server_home(self) -> Path:
        return self.cibgraph_home / "neo4j"

    @property
    def uses_local_server(self) -> bool:
        host = self.neo4j_uri.split("://", 1)[-1].split("/", 1)[0]
        hostname = host.rsplit(":", 1)[0] if ":" in host else host
        return hostname in {"127.0.0.1", "localhost", "[::1]"}


class SettingsError(ValueError):
    """A setting is missing or unusable."""


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
