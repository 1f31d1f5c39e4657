"""The server is asked for no notifications: a query naming a label the data lacks logs none."""

from __future__ import annotations

import logging
from typing import Any

import pytest


def test_unknown_label_sends_no_notification(graph: Any, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="neo4j.notifications"):
        assert graph.read("MATCH (x:NoSuchLabelHere) RETURN count(x) AS n") == [{"n": 0}]
    assert not [r for r in caplog.records if r.name == "neo4j.notifications"]
    # the driver's own logger still works: muting it is not how this is done
    assert logging.getLogger("neo4j.notifications").getEffectiveLevel() <= logging.WARNING
