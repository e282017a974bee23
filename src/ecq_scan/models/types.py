"""Small enumerations shared across the contract."""

from __future__ import annotations

from enum import StrEnum


class EnterpriseType(StrEnum):
    """Clause 5 enterprise types; the grade is computed per type (clause 8.2)."""

    TRANSACTIONAL = "transactional"  # 5.1 交易型
    PLATFORM = "platform"  # 5.2 第三方平台型
    SUPPORT = "support"  # 5.3 支撑服务型
