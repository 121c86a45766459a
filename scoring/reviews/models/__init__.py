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
from .awards import Award, AwardStatus
from .cycles import RatingCycle

__all__ = ["Application", "AppState", "Award", "AwardStatus", "Objection",
           "ObjectionStatus", "PublicNotice", "RatingCycle", "ReviewLog", "ReviewView",
           "Snapshot"]
