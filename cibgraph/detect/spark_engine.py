"""`detect --engine spark`: co-action pairs computed on Apache Spark.

The same answer as `coordination.co_actions` (pairs, their closest
co-action per item with its burst scale, and each item's sharers), computed
by a Spark job over the actions exported as Parquet, so the quadratic part
of detection can run on a cluster. Scoring, groups and writing back stay in
`pipeline.py` and run on the (much smaller) pair set collected back.

The job, per item:

- accounts and items travel as integer codes; account codes follow the
  accounts' sorted order, so "a < b" means the same on both sides, and each
  action keeps its index in the item's time-sorted list (sorted by
  (t, account, post)), which is what breaks ties in the Python engine;
- candidate co-actions come from a band join: each action is bucketed by
  `floor(t / max_window)` and joined with the actions of its own and the
  previous bucket of the same item, so the work is the co-actions within
  the window plus one bucket's neighbours, never every pair of a big item;
- each pair keeps its smallest (dt, index of a, index of b) per item,
  exactly the Python engine's `rec < old` rule;
- a co-action's burst scale is the narrowest wide scale s with a third
  account acting on the item between t_lo - s and t_hi + s (the pair's own
  two accounts always count, so "three distinct accounts" is "one other"),
  found by a second band join over buckets of the widest scale.

`spark.master` comes from `--spark-master`, else `CIBGRAPH_SPARK_MASTER`,
else `local[*]`. On a cluster the exported Parquet must be readable by the
executors: set `CIBGRAPH_SPARK_STAGING` to a directory every node mounts at
the same path.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cibgraph.detect.coordination import SHORT_SCALE, CoAction, Pair

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

INSTALL_HINT = "install the spark extra: pip install 'cibgraph[spark]'"


class SparkUnavailable(RuntimeError):
    """pyspark (or pyarrow) is not installed."""


def require_spark() -> None:
    try:
        import pyarrow  # noqa: F401
        import pyspark  # noqa: F401
    except ImportError as e:
        raise SparkUnavailable(
            f"the Spark engine needs pyspark and pyarrow ({e}); {INSTALL_HINT}"
        ) from e


def spark_session(master: str | None = None, **conf: str) -> SparkSession:
    """The active SparkSession, or a new one on `master` (default: the `spark_master` setting).

    Local mode binds to 127.0.0.1 with the UI off and few shuffle partitions: detection
    shuffles far less than Spark's default of 200 partitions assumes.
    """
    require_spark()
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    if master is None:
        from cibgraph.settings import get_settings

        master = get_settings().spark_master
    builder = SparkSession.builder.master(master).appName("cibgraph-detect")
    defaults = {"spark.ui.enabled": "false", "spark.sql.session.timeZone": "UTC"}
    if master.startswith("local"):
        defaults |= {
            "spark.driver.host": "127.0.0.1",
            "spark.driver.bindAddress": "127.0.0.1",
            "spark.sql.shuffle.partitions": "4",
            # `detect` reports its own steps; Spark's progress bars would bury them
            "spark.ui.showConsoleProgress": "false",
        }
    for key, value in (defaults | conf).items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")  # warnings on stderr, not every INFO line
    return session


def export_actions(by_item: Mapping[str, Sequence[tuple[int, str, str]]], path: Path) -> list[str]:
    """Write every action as (item, idx, t, acc) integer columns to Parquet; return the
    accounts in code order (item codes follow `by_item`'s order)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    from cibgraph.detect.actions import ItemActions

    if isinstance(by_item, ItemActions):  # already columns: no Python object per action
        item = by_item.row_items()
        idx = np.arange(by_item.actions, dtype=np.int64) - by_item.offsets[item]
        pq.write_table(
            pa.table(
                {
                    "item": pa.array(item),
                    "idx": pa.array(idx.astype(np.int32)),
                    "t": pa.array(by_item.t),
                    "acc": pa.array(by_item.account),
                }
            ),
            path,
        )
        return by_item.accounts
    accounts = sorted({a for acts in by_item.values() for _, a, _ in acts})
    code = {a: n for n, a in enumerate(accounts)}
    item_col: list[int] = []
    idx_col: list[int] = []
    t_col: list[int] = []
    acc_col: list[int] = []
    for n, acts in enumerate(by_item.values()):
        for i, (t, a, _) in enumerate(acts):
            item_col.append(n)
            idx_col.append(i)
            t_col.append(t)
            acc_col.append(code[a])
    table = pa.table(
        {
            "item": pa.array(item_col, pa.int32()),
            "idx": pa.array(idx_col, pa.int32()),
            "t": pa.array(t_col, pa.int64()),
            "acc": pa.array(acc_col, pa.int32()),
        }
    )
    pq.write_table(table, path)
    return accounts


def _bucket(col: Any, width: int) -> Any:
    """floor(col / width) in exact integer arithmetic (negative times too)."""
    from pyspark.sql import functions as F

    return ((col - F.pmod(col, F.lit(width))) / F.lit(width)).cast("long")


def co_action_frame(
    actions: DataFrame,
    max_window: int,
    *,
    max_sharers: int | None = None,
    scales: Sequence[int] = (),
    min_shared: int = 1,
) -> tuple[DataFrame, DataFrame]:
    """The Spark plan: (item, a, b, dt, ia, ib, burst) per kept co-action, and (item, n)
    distinct sharers per item. `actions` has columns item, idx, t, acc."""
    from pyspark.sql import functions as F

    if max_window < 0:
        raise ValueError("max_window must not be negative")
    width = max(1, max_window)
    sharers = actions.groupBy("item").agg(F.countDistinct("acc").alias("n"))
    keep = sharers.where(F.col("n") >= 2)
    if max_sharers is not None:
        keep = keep.where(F.col("n") <= max_sharers)
    acts = actions.join(keep.select("item"), "item").withColumn("bk", _bucket(F.col("t"), width))
    acts = acts.cache()

    # k: the earlier action (index k < j), duplicated into its own and the next bucket
    k = acts.select(
        "item",
        F.col("idx").alias("ik"),
        F.col("t").alias("tk"),
        F.col("acc").alias("ak"),
        F.explode(F.array(F.col("bk"), F.col("bk") + 1)).alias("bk"),
    )
    j = acts.select(
        "item",
        F.col("idx").alias("ij"),
        F.col("t").alias("tj"),
        F.col("acc").alias("aj"),
        "bk",
    )
    cand = (
        j.join(k, ["item", "bk"])
        .where(
            (F.col("ik") < F.col("ij"))
            & (F.col("tj") - F.col("tk") <= max_window)
            & (F.col("ak") != F.col("aj"))
        )
        .select(
            "item",
            F.least("ak", "aj").alias("a"),
            F.greatest("ak", "aj").alias("b"),
            (F.col("tj") - F.col("tk")).alias("dt"),
            F.when(F.col("ak") < F.col("aj"), F.col("ik")).otherwise(F.col("ij")).alias("ia"),
            F.when(F.col("ak") < F.col("aj"), F.col("ij")).otherwise(F.col("ik")).alias("ib"),
            F.col("tk").alias("lo"),
            F.col("tj").alias("hi"),
        )
    )
    # (dt, ia, ib) is unique per candidate, so the times after it never decide the minimum
    best = (
        cand.groupBy("item", "a", "b")
        .agg(F.min(F.struct("dt", "ia", "ib", "lo", "hi")).alias("r"))
        .select("item", "a", "b", "r.dt", "r.ia", "r.ib", "r.lo", "r.hi")
    )
    if min_shared > 1:
        counts = best.groupBy("a", "b").agg(F.count("*").alias("items"))
        best = best.join(counts.where(F.col("items") >= min_shared).select("a", "b"), ["a", "b"])

    wide = sorted({s for s in scales if s > SHORT_SCALE})
    if not wide:
        return best.withColumn("burst", F.lit(0)), sharers
    top = wide[-1]
    # every bucket (of the widest scale) that [t_lo - top, t_hi + top] touches
    spans = best
    probe = spans.select(
        "item",
        "a",
        "b",
        "lo",
        "hi",
        F.explode(
            F.sequence(_bucket(F.col("lo") - top, top), _bucket(F.col("hi") + top, top))
        ).alias("bw"),
    )
    others = acts.select("item", F.col("t").alias("tc"), F.col("acc").alias("ac")).withColumn(
        "bw", _bucket(F.col("tc"), top)
    )
    gap = (
        probe.join(others, ["item", "bw"])
        .where(
            (F.col("ac") != F.col("a"))
            & (F.col("ac") != F.col("b"))
            & (F.col("tc") >= F.col("lo") - top)
            & (F.col("tc") <= F.col("hi") + top)
        )
        .select(
            "item",
            "a",
            "b",
            F.greatest(F.col("lo") - F.col("tc"), F.col("tc") - F.col("hi"), F.lit(0)).alias("d"),
        )
        .groupBy("item", "a", "b")
        .agg(F.min("d").alias("d"))
    )
    burst = F.lit(0)
    for s in reversed(wide):
        burst = F.when(F.col("d") <= s, F.lit(s)).otherwise(burst)
    out = spans.join(gap, ["item", "a", "b"], "left").select(
        "item",
        "a",
        "b",
        "dt",
        "ia",
        "ib",
        F.when(F.col("d").isNull(), F.lit(0)).otherwise(burst).alias("burst"),
    )
    return out, sharers


def spark_co_actions(
    by_item: Mapping[str, Sequence[tuple[int, str, str]]],
    max_window: int,
    *,
    max_sharers: int | None = None,
    scales: Sequence[int] = (),
    min_shared: int = 1,
    master: str | None = None,
    spark: SparkSession | None = None,
) -> tuple[dict[Pair, dict[str, CoAction]], dict[str, int]]:
    """`coordination.co_actions` on Spark: the same `(pairs, sharers)`.

    With `min_shared` above 1, pairs that co-acted on fewer items are left out (the
    pipeline drops them right after anyway); that keeps what comes back small.
    """
    require_spark()
    if not by_item:
        return {}, {}
    spark = spark or spark_session(master)
    from cibgraph.settings import get_settings

    staging = get_settings().spark_staging
    if staging is not None:
        staging.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="cibgraph-spark-", dir=staging) as tmp:
        path = Path(tmp) / "actions.parquet"
        accounts = export_actions(by_item, path)
        items = list(by_item)
        frame, sharer_frame = co_action_frame(
            spark.read.parquet(str(path)),
            max_window,
            max_sharers=max_sharers,
            scales=scales,
            min_shared=min_shared,
        )
        sharers = {items[r["item"]]: int(r["n"]) for r in sharer_frame.collect()}
        rows = frame.collect()
        spark.catalog.clearCache()
    pairs: dict[Pair, dict[str, CoAction]] = {}
    for r in rows:
        item = items[r["item"]]
        acts = by_item[item]
        ta, _, pa = acts[r["ia"]]
        tb, _, pb = acts[r["ib"]]
        key = (accounts[r["a"]], accounts[r["b"]])
        pairs.setdefault(key, {})[item] = CoAction(int(r["dt"]), ta, tb, pa, pb, int(r["burst"]))
    return pairs, sharers
