from .assessments import Assessment, AssessmentKind, PendingRecompute
from .standards import (
                        BranchRule,
                        Cadence,
                        Combine,
                        Comparison,
                        ImmutableRuleSet,
                        Indicator,
                        IndicatorRole,
                        RuleSet,
                        RuleSetStar,
                        RuleSetStatus,
                        Star,
                        ValueKind,
)

__all__ = ["Assessment", "AssessmentKind", "BranchRule", "Cadence", "Combine", "Comparison",
           "ImmutableRuleSet", "Indicator", "IndicatorRole", "PendingRecompute", "RuleSet",
           "RuleSetStar", "RuleSetStatus", "Star", "ValueKind"]
