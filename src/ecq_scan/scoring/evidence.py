"""Assessor evidence files (`--evidence FILE.yaml`): what documents and reviews decided.

Most of Annex A (assets, staff, honours …) cannot be seen on a website. An assessor records what
the documents showed, per profile item, and the scorer counts it; evidence never comes from the
crawler. Only `review` and `doc` items can be set: `auto` items belong to the checks, so a file
cannot quietly overrule what the website showed.

```yaml
enterprise: 示例商城有限公司
items:
  2.total-assets: {score: 1, source: 2024 年度审计报告 p.3}
  1.licence-type: {score: true, source: reviewer 张三, note: B2 licence matches the platform}
  22.policy-content: {score: 0.6, source: privacy checklist, 6 of 10 items}
```

`score` is a fraction 0–1 (or true/false): the item earns `points × score` and loses the rest.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, StrictBool, ValidationError

from ecq_scan.errors import RuleError
from ecq_scan.models import ItemKind
from ecq_scan.scoring.profile import Profile
from ecq_scan.standard._io import read_yaml_mapping, validation_error

Fraction = Annotated[float, Field(ge=0, le=1, strict=True)]


class EvidenceEntry(BaseModel):
    """The assessor's verdict on one item, and its source (required, so it can be defended)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    score: StrictBool | Fraction
    source: str = Field(min_length=1)
    note: str | None = None

    @property
    def fraction(self) -> float:
        return float(self.score)


class EvidenceFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    enterprise: str | None = None
    items: dict[str, EvidenceEntry] = Field(default_factory=dict)

    _path: str | None = PrivateAttr(default=None)

    @property
    def path(self) -> str | None:
        """The file it was read from, recorded in the scorecard."""
        return self._path


def validate_evidence(
    evidence: EvidenceFile, profile: Profile, where: str | None = None
) -> EvidenceFile:
    """Every item id must exist in the profile and be a review or doc item; else a `RuleError`."""
    label = where or f"evidence file {evidence.path or '<memory>'}"
    kinds = profile.item_kinds()
    for item_id in evidence.items:
        if item_id not in kinds:
            raise RuleError(
                f"{label}: field items.{item_id}: unknown item {item_id!r} "
                f"in profile {profile.profile_id}",
                "item ids look like '2.total-assets'; see the profile for the list",
            )
        if kinds[item_id] == {ItemKind.AUTO}:
            raise RuleError(
                f"{label}: field items.{item_id}: {item_id!r} is an auto item decided by checks; "
                "evidence may only set review and doc items"
            )
    return evidence


def load_evidence(path: Path, profile: Profile) -> EvidenceFile:
    """Read, validate and check an evidence file against the profile it will be scored with."""
    where = f"evidence file {path}"
    raw = read_yaml_mapping(None, where, "enterprise and items", path=path)
    try:
        evidence = EvidenceFile.model_validate(raw)
    except ValidationError as exc:
        raise validation_error(
            where, exc, "score is a fraction 0–1 or true/false; source is required"
        ) from exc
    evidence._path = str(path)
    return validate_evidence(evidence, profile, where)
