from __future__ import annotations

import threading
from typing import Any

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel

from cibgraph.api.deps import GraphDep
from cibgraph.api.security import admin
from cibgraph.db import to_jsonable

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
def detect(graph: GraphDep) -> DetectionRun:
    try:
        from cibgraph.detect import run_detection
    except ImportError as e:
        raise HTTPException(501, detail="detection is not available in this installation") from e
    if not _running.acquire(blocking=False):
        raise HTTPException(409, detail="a detection run is already in progress")
    try:
        report = run_detection(graph)
    finally:
        _running.release()
    return DetectionRun(status="ok", report=_report_dict(report))


def _report_dict(report: Any) -> dict[str, Any]:
    out = to_jsonable(report)
    return out if isinstance(out, dict) else {"summary": str(report)}
