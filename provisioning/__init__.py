"""Certificates for the broker, the hub and every PC: a small CA plus agent enrollment bundles."""

from provisioning.ca import HUB_IDENTITY, CAError, CertificateAuthority, Identity
from provisioning.enroll import write_agent_bundle

__all__ = ["HUB_IDENTITY", "CAError", "CertificateAuthority", "Identity", "write_agent_bundle"]
