"""Enrolling PCs: one-time codes, the PCs' requests, a technician's approval, and revocation.

The hub decides who is enrolled; the certificate signer (``icafe ca serve``, reached over a Unix socket)
holds the CA's key, signs, revokes and changes the running broker's access list.
"""

from hub.enrollment.service import EnrollmentService
from hub.enrollment.signer import SignerClient, SignerUnavailable

__all__ = ["EnrollmentService", "SignerClient", "SignerUnavailable"]
