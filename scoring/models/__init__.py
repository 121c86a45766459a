from .assessments import Assessment, AssessmentKind, PendingRecompute
from .runs import BatchState, RecomputeBatch, RecomputeRun, RunState
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

__all__ = ["Assessment", "AssessmentKind", "BatchState", "BranchRule", "Cadence", "Combine",
           "Comparison", "ImmutableRuleSet", "Indicator", "IndicatorRole", "PendingRecompute",
           "RecomputeBatch", "RecomputeRun", "RuleSet", "RuleSetStar", "RuleSetStatus",
           "RunState", "Star", "ValueKind"]
