"""Built-in Python checks: the ones that need logic a YAML rule cannot express (check digits,
cross-checks between a number, its link and its province, page-by-page verdicts, trap filters).

`ecq_scan.checks.registry.BUILTIN_CHECKS` lists them explicitly; importing this package registers
nothing by side effect.
"""

from ecq_scan.checks.builtin.absolute_ad_terms import AbsoluteAdTerms
from ecq_scan.checks.builtin.accessibility_axe import AccessibilityAxe
from ecq_scan.checks.builtin.business_licence import BusinessLicence
from ecq_scan.checks.builtin.contact_and_address import ContactAndAddress
from ecq_scan.checks.builtin.cookie_security import CookieSecurity
from ecq_scan.checks.builtin.customer_service_channels import CustomerServiceChannels
from ecq_scan.checks.builtin.elderly_friendly_mode import ElderlyFriendlyMode
from ecq_scan.checks.builtin.expired_promotions import ExpiredPromotions
from ecq_scan.checks.builtin.hsts import Hsts
from ecq_scan.checks.builtin.https_transport import HttpsTransport
from ecq_scan.checks.builtin.icp_filing import IcpFiling
from ecq_scan.checks.builtin.industry_permits import IndustryPermits
from ecq_scan.checks.builtin.innovation_signals import InnovationSignals
from ecq_scan.checks.builtin.language_versions import LanguageVersions
from ecq_scan.checks.builtin.low_barrier_services import LowBarrierServices
from ecq_scan.checks.builtin.mandatory_ad_notices import MandatoryAdNotices
from ecq_scan.checks.builtin.mixed_content import MixedContent
from ecq_scan.checks.builtin.operating_age import OperatingAge
from ecq_scan.checks.builtin.page_language import PageLanguage
from ecq_scan.checks.builtin.personalisation_opt_out import PersonalisationOptOut
from ecq_scan.checks.builtin.platform_rules import PlatformRules
from ecq_scan.checks.builtin.price_display import PriceDisplay
from ecq_scan.checks.builtin.privacy_policy_content import PrivacyPolicyContent
from ecq_scan.checks.builtin.privacy_policy_reach import PrivacyPolicyReach
from ecq_scan.checks.builtin.public_security_filing import PublicSecurityFiling
from ecq_scan.checks.builtin.reference_price import ReferencePrice
from ecq_scan.checks.builtin.rule_change_notice import RuleChangeNotice
from ecq_scan.checks.builtin.security_headers import SecurityHeaders
from ecq_scan.checks.builtin.self_built_platform_rules import SelfBuiltPlatformRules
from ecq_scan.checks.builtin.service_availability import ServiceAvailability
from ecq_scan.checks.builtin.telecom_licence import TelecomLicence
from ecq_scan.checks.builtin.terms_version_date import TermsVersionDate
from ecq_scan.checks.builtin.tls_configuration import TlsConfiguration
from ecq_scan.checks.builtin.tracking_before_consent import TrackingBeforeConsent
from ecq_scan.checks.builtin.transaction_loop import TransactionLoop
from ecq_scan.checks.builtin.trust_claims import TrustClaims
from ecq_scan.checks.builtin.unfair_terms import UnfairTerms

__all__ = [
    "AbsoluteAdTerms",
    "AccessibilityAxe",
    "BusinessLicence",
    "ContactAndAddress",
    "CookieSecurity",
    "CustomerServiceChannels",
    "ElderlyFriendlyMode",
    "ExpiredPromotions",
    "Hsts",
    "HttpsTransport",
    "IcpFiling",
    "IndustryPermits",
    "InnovationSignals",
    "LanguageVersions",
    "LowBarrierServices",
    "MandatoryAdNotices",
    "MixedContent",
    "OperatingAge",
    "PageLanguage",
    "PersonalisationOptOut",
    "PlatformRules",
    "PriceDisplay",
    "PrivacyPolicyContent",
    "PrivacyPolicyReach",
    "PublicSecurityFiling",
    "ReferencePrice",
    "RuleChangeNotice",
    "SecurityHeaders",
    "SelfBuiltPlatformRules",
    "ServiceAvailability",
    "TelecomLicence",
    "TermsVersionDate",
    "TlsConfiguration",
    "TrackingBeforeConsent",
    "TransactionLoop",
    "TrustClaims",
    "UnfairTerms",
]
