from .applications import (
    Application,
    AppState,
    Objection,
    ObjectionStatus,
    PublicNotice,
    ReviewLog,
    ReviewView,
    Snapshot,
)
from .awards import Award, AwardStatus, CertificateCounter
from .cycles import RatingCycle

__all__ = ["Application", "AppState", "Award", "AwardStatus", "CertificateCounter", "Objection",
           "ObjectionStatus", "PublicNotice", "RatingCycle", "ReviewLog", "ReviewView",
           "Snapshot"]
