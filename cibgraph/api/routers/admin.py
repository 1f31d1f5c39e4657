from __future__ import annotations

import threading
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel

from cibgraph.api.deps import get_graph
from cibgraph.api.security import admin

router = APIRouter(prefix="/admin", tags=["admin"], dependencies=[Depends(admin)])
_running = threading.Lock()


class DetectionRun(BaseModel):
    status: str
    report: dict[str, Any]


@router.post(
    "/detect",
    response_model=DetectionRun,
    summary="Run detection (writes groups); admin keys only",
    responses={
        403: {"description": "not an admin key"},
        409: {"description": "a detection run is in progress"},
    },
)
def detect(request: Request) -> DetectionRun:
    try:
        from cibgraph.detect import run_detection
    except ImportError as e:
        raise HTTPException(501, detail="detection is not available in this installation") from e
    if not _running.acquire(blocking=False):
        raise HTTPException(409, detail="a detection run is already in progress")
    try:
        report = run_detection(get_graph(request))
    finally:
        _running.release()
    return DetectionRun(status="ok", report=_report_dict(report))


def _report_dict(report: Any) -> dict[str, Any]:
    from dataclasses import asdict, is_dataclass

    from cibgraph.cypher.runner import to_jsonable

    if is_dataclass(report) and not isinstance(report, type):
        return to_jsonable(asdict(report))
    if isinstance(report, dict):
        return to_jsonable(report)
    return {"summary": str(report)}
