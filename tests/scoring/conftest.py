"""Shared fixtures for the scoring tests: the check ids of this version, the default profile."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pytest

from ecq_scan.models import Finding, I18nText, Outcome
from ecq_scan.scoring import Profile, load_profile
from ecq_scan.standard import StandardCatalogue, load_catalogue

#: The checks that exist in this version (ids are final; written in parallel).
KNOWN_CHECKS = frozenset(
    {
        "icp-filing",
        "self-built-platform-rules",
        "telecom-licence",
        "public-security-filing",
        "business-licence",
        "return-policy",
        "delivery-commitment",
        "after-sales-commitment",
        "complaint-channel",
        "terms-of-service",
        "privacy-policy",
        "shipping-fee",
        "price-display",
        "absolute-ad-terms",
        "https-transport",
        "hsts",
        "tls-configuration",
        "security-headers",
        "cookie-security",
        "mixed-content",
        "customer-service-channels",
        "contact-and-address",
        "platform-rules",
        "rule-change-notice",
        "unfair-terms",
        "privacy-policy-content",
        "personalisation-opt-out",
        "terms-version-date",
        "expired-promotions",
        "order-tracking",
        "payment-methods",
        "complaint-process",
        "reverse-logistics",
        "delivery-guarantee",
        "merchant-services",
        "dispute-mediation",
        "seller-delivery-rules",
        "service-disclosure",
        "mandatory-ad-notices",
        "trust-claims",
        "innovation-signals",
        "accessibility-axe",
        "elderly-friendly-mode",
        "tracking-before-consent",
        "transaction-loop",
        "operating-age",
        "industry-permits",
    }
)


def finding(check_id: str, outcome: Outcome | str, url: str | None = None) -> Finding:
    return Finding(
        check_id=check_id, outcome=Outcome(outcome), message=I18nText(zh="测试", en="test"), url=url
    )


def findings(
    outcome: Outcome | str = Outcome.PASS,
    checks: Iterable[str] = KNOWN_CHECKS,
    overrides: Mapping[str, Outcome | str] | None = None,
) -> list[Finding]:
    """One finding per check with `outcome`, except the checks named in `overrides`."""
    overrides = overrides or {}
    return [finding(c, overrides.get(c, outcome)) for c in sorted(checks)]


class Makers:
    """Finding factories, handed to tests as the `make` fixture (tests are not a package)."""

    finding = staticmethod(finding)
    findings = staticmethod(findings)


@pytest.fixture(scope="session")
def make() -> type[Makers]:
    return Makers


@pytest.fixture(scope="session")
def known_checks() -> frozenset[str]:
    return KNOWN_CHECKS


@pytest.fixture(scope="session")
def catalogue() -> StandardCatalogue:
    return load_catalogue()


@pytest.fixture(scope="session")
def profile() -> Profile:
    return load_profile("default", known_checks=KNOWN_CHECKS)
