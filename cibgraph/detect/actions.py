"""Every action on a shared item, held as columns.

`cibgraph detect` needs, for each shared item (`items.py`), who acted on it,
when, and with which post. A real release has millions of such actions; one
Python tuple each costs about 700 bytes and most of the time goes into
building them. Here they are four Arrow columns (item code, epoch seconds,
account code, post id) sorted by item, then time, account and post: about 40
bytes an action, and nothing kept per action as a Python object.

Reading them: Neo4j groups the actions by raw key server-side (one row per
image, caption key, link or commented post, with its lists), and only keys
that at least two actions share, or that belong to a near-duplicate cluster,
come back at all. A caption nobody else posted never leaves the database.
Items that fewer than two distinct accounts acted on are then dropped: they
link no one, and every consumer ignores them.

`ItemActions` reads like the `{item: [(t, account, post)]}` mapping the
scoring functions take (`coordination.py`), built one item at a time from the
columns, so the pure functions stay as they are.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from cibgraph.detect.arrays import distinct

Act = tuple[int, str, str]
CHUNK = 200_000  # actions decoded into Python at a time


@dataclass
class ItemActions(Mapping[str, list[Act]]):
    """Actions on items that at least two accounts acted on, by item (keys sorted), each
    item's actions sorted by (time, account id, post id)."""

    item_keys: list[str]
    accounts: list[str]  # sorted, so account codes order like account ids
    offsets: npt.NDArray[np.int64]  # item n's actions: rows offsets[n] to offsets[n + 1]
    t: npt.NDArray[np.int64]
    account: npt.NDArray[np.int32]
    post: pa.StringArray
    _index: dict[str, int] = field(default_factory=dict, repr=False)
    _sharers: npt.NDArray[np.int64] | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self._index:
            self._index = {k: n for n, k in enumerate(self.item_keys)}

    def __len__(self) -> int:
        return len(self.item_keys)

    def __iter__(self) -> Iterator[str]:
        return iter(self.item_keys)

    def __contains__(self, key: object) -> bool:
        return key in self._index

    def __getitem__(self, key: str) -> list[Act]:
        n = self._index[key]
        return self._acts(int(self.offsets[n]), int(self.offsets[n + 1]))

    @property
    def actions(self) -> int:
        return len(self.t)

    def _acts(self, lo: int, hi: int) -> list[Act]:
        accs = self.accounts
        return list(
            zip(
                self.t[lo:hi].tolist(),
                [accs[a] for a in self.account[lo:hi].tolist()],
                self.post.slice(lo, hi - lo).to_pylist(),
                strict=True,
            )
        )

    def items(self) -> Iterator[tuple[str, list[Act]]]:  # type: ignore[override]
        """(item, actions) in key order, decoded a chunk of rows at a time."""
        n, total = 0, len(self.item_keys)
        while n < total:
            lo = int(self.offsets[n])
            m = int(np.searchsorted(self.offsets, lo + CHUNK, side="right")) - 1
            m = min(max(m, n + 1), total)
            hi = int(self.offsets[m])
            acts = self._acts(lo, hi)
            for k in range(n, m):
                yield (
                    self.item_keys[k],
                    acts[int(self.offsets[k]) - lo : int(self.offsets[k + 1]) - lo],
                )
            n = m

    def values(self) -> Iterator[list[Act]]:  # type: ignore[override]
        return (acts for _, acts in self.items())

    def row_items(self) -> npt.NDArray[np.int32]:
        """Each row's item code (the offsets, expanded)."""
        return np.repeat(np.arange(len(self.item_keys), dtype=np.int32), np.diff(self.offsets))

    def sharers(self) -> npt.NDArray[np.int64]:
        """Distinct accounts per item (counted once: the co-action sweep, the pair table,
        the scoring and the item writes all ask; do not modify the array)."""
        if self._sharers is None:
            pairs = distinct(
                self.row_items().astype(np.int64) * max(1, len(self.accounts)) + self.account
            )
            self._sharers = np.bincount(
                pairs // max(1, len(self.accounts)), minlength=len(self.item_keys)
            )
        return self._sharers

    def sharer_counts(self) -> dict[str, int]:
        """`sharers`, by item key."""
        return dict(zip(self.item_keys, self.sharers().tolist(), strict=True))

    def items_of(self, accounts: Iterable[str]) -> dict[str, npt.NDArray[np.int64]]:
        """Each of `accounts` -> the sorted codes of the items it acted on."""
        code = {a: n for n, a in enumerate(self.accounts)}
        wanted = np.array(sorted(code[a] for a in set(accounts) if a in code), dtype=np.int64)
        item = self.row_items().astype(np.int64)
        keep = np.isin(self.account, wanted)
        pairs = distinct(self.account[keep].astype(np.int64) * len(self.item_keys) + item[keep])
        acc, it = pairs // max(1, len(self.item_keys)), pairs % max(1, len(self.item_keys))
        bounds = np.searchsorted(acc, wanted, side="left"), np.searchsorted(acc, wanted, "right")
        return {
            self.accounts[int(a)]: it[lo:hi]
            for a, lo, hi in zip(wanted, bounds[0], bounds[1], strict=True)
        }


class ActionBuilder:
    """Collects (item key, [account], [t], [post]) groups into `ItemActions`."""

    def __init__(self, accounts: Iterable[str], check: Callable[[str], None] | None = None) -> None:
        self.accounts = sorted(set(accounts))
        self._check = check
        self.phase = "load_actions"  # the step a memory-budget stop names
        self._code = {a: n for n, a in enumerate(self.accounts)}
        self._items: dict[str, int] = {}
        self._parts: list[pa.Table] = []
        self._cols: tuple[list[int], list[int], list[int], list[str]] = ([], [], [], [])

    def add(self, item: str, accounts: list[str], times: list[int], posts: list[str]) -> None:
        code = self._items.setdefault(item, len(self._items))
        items, ts, accs, ps = self._cols
        items.extend([code] * len(times))
        ts.extend(times)
        accs.extend(self._code[a] for a in accounts)
        ps.extend(posts)
        if len(ts) >= CHUNK:
            self._flush()
            if self._check is not None:
                self._check(self.phase)

    def __contains__(self, item: str) -> bool:
        return item in self._items

    def _flush(self) -> None:
        items, ts, accs, ps = self._cols
        if ts:
            self._parts.append(
                pa.table(
                    {
                        "item": pa.array(items, pa.int32()),
                        "t": pa.array(ts, pa.int64()),
                        "account": pa.array(accs, pa.int32()),
                        "post": pa.array(ps, pa.string()),
                    }
                )
            )
        self._cols = ([], [], [], [])

    def build(self, rename: Callable[[str], str] | None = None) -> ItemActions:
        """The columns; `rename` maps each key added to its item (several keys may become
        one item: a caption's text key to its near-identical cluster, say)."""
        self._flush()
        raw_keys = list(self._items)
        del self._items
        alias: npt.NDArray[np.int64] | None = None
        if rename is not None:
            final = [rename(k) for k in raw_keys]
            code_of: dict[str, int] = {}
            alias = np.array([code_of.setdefault(k, len(code_of)) for k in final], np.int64)
            raw_keys = list(code_of)
            del final, code_of
        schema = pa.schema(
            [
                ("item", pa.int32()),
                ("t", pa.int64()),
                ("account", pa.int32()),
                ("post", pa.string()),
            ]
        )
        table = pa.concat_tables(self._parts) if self._parts else schema.empty_table()
        self._parts = []
        # Items that fewer than two accounts acted on link no one: drop them first.
        n_acc = max(1, len(self.accounts))
        item = table.column("item").to_numpy().astype(np.int64)
        if alias is not None:
            item = alias[item]
        account = table.column("account").to_numpy()
        uniq = distinct(item * n_acc + account)
        sharers = np.bincount(uniq // n_acc, minlength=len(raw_keys))
        # Final codes follow the sorted keys, so iteration order does not depend on the reads.
        order = sorted(range(len(raw_keys)), key=raw_keys.__getitem__)
        kept = [n for n in order if sharers[n] >= 2]
        recode = np.full(len(raw_keys), -1, dtype=np.int32)
        recode[np.array(kept, dtype=np.int64)] = np.arange(len(kept), dtype=np.int32)
        keys = [raw_keys[n] for n in kept]
        del raw_keys
        table = table.set_column(0, "item", pa.array(recode[item], pa.int32()))
        table = table.filter(pc.greater_equal(table.column("item"), 0))
        table = table.sort_by(
            [
                ("item", "ascending"),
                ("t", "ascending"),
                ("account", "ascending"),
                ("post", "ascending"),
            ]
        )
        codes = table.column("item").to_numpy()
        offsets = np.searchsorted(codes, np.arange(len(keys) + 1)).astype(np.int64)
        post = table.column("post").combine_chunks()
        return ItemActions(
            item_keys=keys,
            accounts=self.accounts,
            offsets=offsets,
            t=table.column("t").to_numpy().astype(np.int64),
            account=table.column("account").to_numpy().astype(np.int32),
            post=post if isinstance(post, pa.StringArray) else pa.array(post, pa.string()),
        )


def from_tuples(actions: Iterable[tuple[str, str, int, str]]) -> ItemActions:
    """`(item, account, t, post)` tuples -> `ItemActions` (tests, small inputs)."""
    by: dict[str, tuple[list[str], list[int], list[str]]] = {}
    accounts: set[str] = set()
    for item, account, t, post in actions:
        accs, ts, ps = by.setdefault(item, ([], [], []))
        accs.append(account)
        ts.append(t)
        ps.append(post)
        accounts.add(account)
    b = ActionBuilder(accounts)
    for item, (accs, ts, ps) in by.items():
        b.add(item, accs, ts, ps)
    return b.build()
