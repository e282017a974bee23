"""Hypothesis settings for the property suite: small example counts so it runs in seconds in
CI (`HYPOTHESIS_PROFILE=thorough` for a longer local run), no deadline (CI machines vary)."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("thorough", max_examples=5_000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
