"""What an audit finds: one ``Finding`` per check, one ``FileReport`` per file."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PASS, FAIL, INFO, INCONCLUSIVE = "pass", "fail", "info", "inconclusive"


@dataclass(frozen=True)
class Finding:
    check: str  # e.g. "integrated loudness"
    value: str  # what was measured, with its unit
    limit: str  # what the profile allows ("" when nothing is asserted)
    status: str  # PASS, FAIL, INFO or INCONCLUSIVE
    detail: str = ""  # what is wrong, naming the chapter or frame

    def as_dict(self) -> dict[str, Any]:
        return {"check": self.check, "value": self.value, "limit": self.limit,
                "status": self.status, "detail": self.detail}  # fmt: skip


@dataclass(frozen=True)
class FileReport:
    path: Path
    profile: str
    findings: tuple[Finding, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        """No check failed (an inconclusive content check is not a failure, nor a pass)."""
        return all(f.status != FAIL for f in self.findings)

    @property
    def failed(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.status == FAIL)

    def as_dict(self) -> dict[str, Any]:
        return {"path": str(self.path), "profile": self.profile, "ok": self.ok,
                "findings": [f.as_dict() for f in self.findings]}  # fmt: skip


def verdict(ok: bool) -> str:
    return PASS if ok else FAIL


def within(value: float, lo: float | None, hi: float | None) -> bool:
    return (lo is None or value >= lo) and (hi is None or value <= hi)
