"""Detection: near-duplicate images, the weighted coordination graph, groups, synthetic scenarios.

`run_detection(graph, **options)` performs the idempotent write steps behind
`cibgraph detect`; the stored queries in `cibgraph/cypher/` read their results.
"""

from cibgraph.detect.pipeline import DetectionReport, run_detection

__all__ = ["DetectionReport", "run_detection"]
