"""Communities of the coordination graph (Leiden, fixed seed: same graph, same groups)."""

from __future__ import annotations

import igraph as ig
import leidenalg

from cibgraph.detect.scoring import EdgeScore


def leiden_communities(
    edges: list[EdgeScore], *, seed: int = 42, resolution: float = 1.0
) -> list[list[str]]:
    """Communities of the weighted graph, each a sorted list of account ids, largest first.

    Vertices are added in sorted id order and edges in sorted order so that the
    result depends only on the edge set, not on the order rows arrived in.
    """
    if not edges:
        return []
    names = sorted({e.a for e in edges} | {e.b for e in edges})
    index = {n: i for i, n in enumerate(names)}
    ordered = sorted(edges, key=lambda e: (e.a, e.b))
    g = ig.Graph(n=len(names), edges=[(index[e.a], index[e.b]) for e in ordered])
    g.es["weight"] = [e.weight for e in ordered]
    part = leidenalg.find_partition(
        g,
        leidenalg.RBConfigurationVertexPartition,
        weights="weight",
        resolution_parameter=resolution,
        seed=seed,
        n_iterations=-1,
    )
    groups = [sorted(names[v] for v in comm) for comm in part]
    return sorted(groups, key=lambda m: (-len(m), m))
