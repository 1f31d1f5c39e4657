"""A memory budget for `cibgraph detect`: stop with the figure instead of being killed.

A detect run that outgrows the machine is otherwise ended by the kernel's
out-of-memory killer, with no word of why and possibly half of its writes
done. The steps that grow with the data (reading actions, normalising
captions, the co-action sweep) call `check` between chunks; past the budget,
`MemoryBudgetExceeded` names the step, the resident size and the budget, so
the run stops while nothing is half-written (each step's writes are
idempotent, so a rerun with more memory completes the graph).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import resource
import sys
from collections.abc import Callable

import psutil
import pyarrow as pa

MIB = 1024 * 1024


class MemoryBudgetExceeded(RuntimeError):
    def __init__(self, step: str, rss: int, budget: int) -> None:
        self.step, self.rss, self.budget = step, rss, budget
        super().__init__(
            f"detect stopped during {step}: it holds {rss / MIB:,.0f} MiB, over its memory "
            f"budget of {budget / MIB:,.0f} MiB. Raise the budget (--memory-budget-mb or "
            "CIBGRAPH_DETECT_MEMORY_MB) on a machine with more memory, or find the co-action "
            "pairs on a cluster with --engine spark."
        )


def _trimmer() -> Callable[[], object] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        trim = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):  # a libc without malloc_trim (musl)
        return None
    trim.argtypes = [ctypes.c_size_t]
    return lambda: trim(0)


_TRIM = _trimmer()


def release_memory() -> None:
    """Give memory freed by a finished step back to the system: glibc's (malloc_trim) and
    Arrow's (its mimalloc or jemalloc pool keeps freed pages for reuse).

    glibc raises its mmap threshold each time a large block is freed, so later arrays come
    from the heap, and freed heap is kept for reuse rather than returned. After the caption
    join this process kept some 400 MB it no longer used, and the steps after it peaked on
    top of them. A trim costs about a millisecond; a fixed mmap threshold (which returns
    memory too) makes every large array fault in fresh pages: the join took 49 s against
    35 s, one run each. Arrow's pool kept the rest: on 2.5 million posts the steps after the
    join peaked at 1,004-1,161 MB with 29 MB of Arrow data live, and at 739-858 MB once
    the pool gave its unused pages back."""
    if _TRIM is not None:
        _TRIM()
    pa.default_memory_pool().release_unused()


# Processes a step starts to work beside this one (the caption encoder's): their memory is
# the run's too, so every budget counts it while they live.
_HELPERS: dict[int, psutil.Process] = {}


def helper_started(pid: int) -> None:
    try:
        _HELPERS[pid] = psutil.Process(pid)
    except psutil.NoSuchProcess:
        pass


def helper_stopped(pid: int) -> None:
    _HELPERS.pop(pid, None)


def _helpers_rss() -> int:
    total = 0
    for pid, proc in list(_HELPERS.items()):
        try:
            total += int(proc.memory_info().rss)
        except psutil.NoSuchProcess:
            _HELPERS.pop(pid, None)
    return total


class MemoryBudget:
    """`budget_mb=None`: 90 % of the memory the machine has available when the run starts."""

    def __init__(self, budget_mb: int | None = None) -> None:
        self._proc = psutil.Process()
        if budget_mb is None:
            self.budget = int(0.9 * (psutil.virtual_memory().available + self.rss()))
        else:
            if budget_mb < 1:
                raise ValueError(f"the memory budget must be at least 1 MiB (got {budget_mb})")
            self.budget = budget_mb * MIB
        self.peak = 0
        self._max_before = _max_rss()

    def peak_rss(self) -> int:
        """The largest resident size of the run. Checks see only the moments they run at; the
        kernel keeps the true maximum, which counts once this run has set it (in a process
        that held more before, say a test session or the API, the checks' figure stands).
        On 2.5 million posts the checks saw 1,171 MB and the kernel 1,218 MB."""
        top = _max_rss()
        return max(self.peak, top) if top > self._max_before else self.peak

    def rss(self) -> int:
        """This process's resident size, and that of the helpers it has running."""
        return int(self._proc.memory_info().rss) + (_helpers_rss() if _HELPERS else 0)

    def check(self, step: str) -> None:
        rss = self.rss()
        self.peak = max(self.peak, rss)
        if rss > self.budget:
            raise MemoryBudgetExceeded(step, rss, self.budget)


def _max_rss() -> int:
    """The kernel's peak resident size of this process, in bytes."""
    top = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(top) if sys.platform == "darwin" else int(top) * 1024  # macOS gives bytes
