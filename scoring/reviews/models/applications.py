"""Star applications and everything that hangs off them.

An application walks the cycle's review chain as a django-fsm-2 state machine. Each
transition is a method whose `permission` names who may take it; the service layer
(scoring/reviews/services.py) runs it with the row locked, logs it and sends signals.
"""

from __future__ import annotations

from functools import cached_property

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import GET_STATE, FSMField, FSMModelMixin, transition

from scoring.reviews import steps
from scoring.stars import STAR_ORDER, StarCode
from wuxing.accounts.access import ScopedQuerySet, can


class AppState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    TOWN = "town_review", _("Awaiting town pre-review")
    CITY = "city_review", _("Awaiting city review")
    COUNTY = "county_review", _("Awaiting county review")
    RETURNED = "returned", _("Returned to the village")
    REJECTED = "rejected", _("Rejected")
    APPROVED = "approved", _("Approved, awaiting public notice")
    NOTICE = "notice", _("In public notice")
    AWARDED = "awarded", _("Awarded")
    NOT_AWARDED = "not_awarded", _("Not awarded after the notice")


STEP_STATE = {steps.TOWN: AppState.TOWN, steps.CITY: AppState.CITY,
              steps.COUNTY: AppState.COUNTY}
STATE_STEP = {state: step for step, state in STEP_STATE.items()}
REVIEW_STATES = tuple(STEP_STATE.values())
SUBMIT_ACTIONS = ("submit", "resubmit")  # ReviewLog actions of the village's side
OPEN_STATES = (*REVIEW_STATES, AppState.RETURNED, AppState.APPROVED, AppState.NOTICE)


# --- who may take each transition (django-fsm `permission=` callables) -------------------

def _may_apply(app: Application, user) -> bool:
    return can(user, "apply", app.village.code)


def _may_review(app: Application, user) -> bool:
    """The reviewer of the current step, at its level, who did not submit the application."""
    step = app.current_step
    return (step is not None and not app.submitted_by_user(user)
            and steps.acts_at_step(user, step, app.village.code))


def _county_may(action: str):
    def check(app: Application, user) -> bool:
        return steps.county_acts(user, action, app.village.code)
    return check


# The review steps at which each reviewer's transition can be taken.
TRANSITION_STEPS = {"pass_step": (steps.TOWN, steps.CITY), "send_back": steps.STEP_ORDER,
                    "approve": (steps.COUNTY,), "reject": (steps.COUNTY,)}
COUNTY_TRANSITIONS = {"publish": "publish_notice", "award": "award"}


def may_take(app: Application, user, name: str) -> bool:
    """Could the user take transition `name` on this application in any state?

    The state-independent half of each transition's `permission`: checked before the
    state, so a user who may never act is refused (403) rather than told that someone
    else already handled the application (409).
    """
    if name in ("submit", "resubmit"):
        return _may_apply(app, user)
    if name in COUNTY_TRANSITIONS:
        return _county_may(COUNTY_TRANSITIONS[name])(app, user)
    return not app.submitted_by_user(user) and any(
        steps.acts_at_step(user, step, app.village.code) for step in TRANSITION_STEPS[name])


class ApplicationQuerySet(ScopedQuerySet):
    scope_field = "village__code"

    def open(self):
        return self.filter(state__in=OPEN_STATES)

    def at_states(self, states):
        return self.filter(state__in=list(states))

    def oldest_first(self):
        return self.order_by("state_since", "pk")

    def for_list(self):
        return self.select_related("village__town", "cycle", "submitted_by")


class Application(FSMModelMixin, models.Model):
    cycle = models.ForeignKey("reviews.RatingCycle", on_delete=models.PROTECT,
                              related_name="applications", verbose_name=_("rating cycle"))
    village = models.ForeignKey("villages.Village", on_delete=models.PROTECT,
                                related_name="star_applications", verbose_name=_("village"))
    stars = models.JSONField(_("stars applied for"), default=list)
    justifications = models.JSONField(_("justifications"), default=dict, blank=True)
    state = FSMField(_("state"), default=AppState.DRAFT, choices=AppState.choices,
                     protected=True, db_index=True)
    round = models.PositiveSmallIntegerField(_("round"), default=1)
    # The reasons of the last return: {"stars": {code: text}, "indicators": {code: text}}.
    flags = models.JSONField(_("items flagged on return"), default=dict, blank=True)
    returned_step = models.CharField(_("returned at step"), max_length=10, blank=True)
    approved_stars = models.JSONField(_("stars approved"), default=list, blank=True)
    star_decisions = models.JSONField(_("reasons per star"), default=dict, blank=True)
    # Why the county approved a star the engine marks not met: {code: text}. Shown to later
    # steps, on the public notice and carried onto the award.
    approval_reasons = models.JSONField(_("reasons for approving a star not met"),
                                        default=dict, blank=True)
    notice = models.ForeignKey("reviews.PublicNotice", on_delete=models.PROTECT, null=True,
                               blank=True, related_name="applications",
                               verbose_name=_("public notice"))
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("submitted by"))
    resubmitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                       null=True, blank=True, related_name="+",
                                       verbose_name=_("resubmitted by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    state_since = models.DateTimeField(_("in this state since"), default=timezone.now,
                                       db_index=True)

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("star application")
        verbose_name_plural = _("star applications")

    def __str__(self) -> str:
        return f"{self.village} {self.cycle.year} #{self.pk}"

    @property
    def division_code(self) -> str:
        return self.village.code

    @property
    def current_step(self) -> str | None:
        return STATE_STEP.get(self.state)

    @property
    def ordered_stars(self) -> list[str]:
        return sorted(self.stars, key=STAR_ORDER.index)

    def star_labels(self) -> list[str]:
        return [str(StarCode(code).label) for code in self.ordered_stars]

    def approved_star_labels(self) -> list[str]:
        return [str(StarCode(code).label) for code in self.approved_stars]

    def approved_star_choices(self) -> list[tuple[str, str]]:
        return [(code, str(StarCode(code).label)) for code in self.approved_stars]

    def approval_reason_rows(self) -> list[tuple[str, str]]:
        """(star name, reason) of each star approved although the engine marks it not met."""
        reasons = self.approval_reasons or {}
        return [(str(StarCode(code).label), reasons[code]) for code in self.approved_stars
                if reasons.get(code)]

    def engine_met(self) -> set[str]:
        """Stars the latest snapshot's engine result marks met (earned)."""
        snapshot = max(self.snapshots.all(), key=lambda s: s.round, default=None)
        return set(snapshot.earned) if snapshot else set()

    def submitted_by_user(self, user) -> bool:
        """Whether the user submitted or resubmitted the application, in any round."""
        if user.pk in (self.submitted_by_id, self.resubmitted_by_id):
            return True
        # `resubmitted_by` names only the last round's resubmitter; the log names them all.
        return user.pk in self._logged_submitter_ids

    @cached_property
    def _logged_submitter_ids(self) -> set[int]:
        return set(self.log.filter(action__in=SUBMIT_ACTIONS).values_list(
            "actor_id", flat=True))

    def waiting_days(self, now=None) -> int:
        return ((now or timezone.now()) - self.state_since).days

    def is_overdue(self) -> bool:
        return self.state in REVIEW_STATES and self.waiting_days() > self.cycle.overdue_days

    # --- target states ------------------------------------------------------------------

    def _first_step_state(self, *args, **kwargs) -> str:
        return STEP_STATE[self.cycle.next_step(None)]

    def _returned_step_state(self, *args, **kwargs) -> str:
        return STEP_STATE[self.returned_step or self.cycle.next_step(None)]

    def _next_step_state(self, *args, **kwargs) -> str:
        return STEP_STATE[self.cycle.next_step(self.current_step)]

    def _award_state(self, *args, **kwargs) -> str:
        return AppState.AWARDED if self.stars_to_award() else AppState.NOT_AWARDED

    def stars_to_award(self) -> list[str]:
        """Approved stars minus those against which an objection was upheld."""
        upheld = {o.star for o in self.objections.all() if o.status == ObjectionStatus.UPHELD}
        if "" in upheld:
            return []
        return [s for s in sorted(self.approved_stars, key=STAR_ORDER.index)
                if s not in upheld]

    def notice_over(self) -> bool:
        return self.notice is not None and timezone.localdate() > self.notice.ends_on

    def objections_resolved(self) -> bool:
        return not any(o.status == ObjectionStatus.PENDING for o in self.objections.all())

    # --- transitions ------------------------------------------------------------------

    @transition(field=state, source=AppState.DRAFT,
                target=GET_STATE(_first_step_state, states=REVIEW_STATES),
                permission=_may_apply)
    def submit(self, user) -> None:
        self.submitted_by = user

    @transition(field=state, source=AppState.RETURNED,
                target=GET_STATE(_returned_step_state, states=REVIEW_STATES),
                permission=_may_apply)
    def resubmit(self, user) -> None:
        self.round += 1
        self.resubmitted_by = user

    @transition(field=state, source=[AppState.TOWN, AppState.CITY],
                target=GET_STATE(_next_step_state, states=REVIEW_STATES),
                permission=_may_review)
    def pass_step(self, user) -> None:
        pass

    @transition(field=state, source=list(REVIEW_STATES), target=AppState.RETURNED,
                permission=_may_review)
    def send_back(self, user, flags: dict) -> None:
        self.returned_step = self.current_step
        self.flags = flags

    @transition(field=state, source=AppState.COUNTY, target=AppState.APPROVED,
                permission=_may_review)
    def approve(self, user, stars: list[str], reasons: dict[str, str],
                overrides: dict[str, str] | None = None) -> None:
        self.approved_stars = sorted(stars, key=STAR_ORDER.index)
        self.star_decisions = reasons
        self.approval_reasons = overrides or {}
        self.flags = {}

    @transition(field=state, source=AppState.COUNTY, target=AppState.REJECTED,
                permission=_may_review)
    def reject(self, user, reasons: dict[str, str]) -> None:
        self.star_decisions = reasons

    @transition(field=state, source=AppState.APPROVED, target=AppState.NOTICE,
                permission=_county_may("publish_notice"))
    def publish(self, user, notice) -> None:
        self.notice = notice

    @transition(field=state, source=AppState.NOTICE,
                target=GET_STATE(_award_state,
                                 states=[AppState.AWARDED, AppState.NOT_AWARDED]),
                conditions=[notice_over, objections_resolved],
                permission=_county_may("award"))
    def award(self, user) -> None:
        pass


class Snapshot(models.Model):
    """What the reviewers see for one round: frozen at (re)submission, never edited."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE,
                                    related_name="snapshots", verbose_name=_("application"))
    round = models.PositiveSmallIntegerField(_("round"))
    month = models.DateField(_("month evaluated"))
    result = models.JSONField(_("engine result"), default=dict)
    entries = models.JSONField(_("entries"), default=list)
    evidence = models.JSONField(_("evidence list"), default=list)
    responses = models.JSONField(_("village's answers to flagged items"), default=dict,
                                 blank=True)
    taken_at = models.DateTimeField(_("taken at"), auto_now_add=True)

    class Meta:
        ordering = ["application", "round"]
        constraints = [models.UniqueConstraint(fields=["application", "round"],
                                               name="one_snapshot_per_application_round")]
        verbose_name = _("snapshot")
        verbose_name_plural = _("snapshots")

    def __str__(self) -> str:
        return f"{self.application} R{self.round}"

    @property
    def earned(self) -> list[str]:
        return [code for code in STAR_ORDER
                if self.result.get("stars", {}).get(code, {}).get("earned")]


class PublicNotice(models.Model):
    """A 公示: approved applications of a cycle shown publicly between two dates."""

    cycle = models.ForeignKey("reviews.RatingCycle", on_delete=models.PROTECT,
                              related_name="notices", verbose_name=_("rating cycle"))
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("published by"))
    published_at = models.DateTimeField(_("published at"), auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "-pk"]
        verbose_name = _("public notice")
        verbose_name_plural = _("public notices")

    def __str__(self) -> str:
        return f"{self.cycle} {self.starts_on}–{self.ends_on}"

    def is_running(self, day=None) -> bool:
        day = day or timezone.localdate()
        return self.starts_on <= day <= self.ends_on


class ObjectionStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    UPHELD = "upheld", _("Upheld: the star is not awarded")
    DISMISSED = "dismissed", _("Dismissed")


class ObjectionQuerySet(ScopedQuerySet):
    scope_field = "application__village__code"

    def pending(self):
        return self.filter(status=ObjectionStatus.PENDING)


class Objection(models.Model):
    application = models.ForeignKey(Application, on_delete=models.PROTECT,
                                    related_name="objections", verbose_name=_("application"))
    star = models.CharField(_("star"), max_length=10, choices=StarCode.choices, blank=True,
                            help_text=_("Empty: the objection concerns the whole application."))
    text = models.TextField(_("objection"))
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                 null=True, blank=True, related_name="+",
                                 verbose_name=_("filed by"))
    # Filed on the public notice page by someone without an account: how to answer them.
    name = models.CharField(_("name"), max_length=50, blank=True)
    contact = models.CharField(_("contact"), max_length=100, blank=True)
    offline = models.BooleanField(_("received offline"), default=False)
    offline_source = models.CharField(_("received from / how"), max_length=120, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=ObjectionStatus.choices,
                              default=ObjectionStatus.PENDING)
    resolution = models.TextField(_("resolution"), blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+",
                                    verbose_name=_("resolved by"))
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    created_at = models.DateTimeField(_("filed at"), auto_now_add=True)

    objects = ObjectionQuerySet.as_manager()

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("objection")
        verbose_name_plural = _("objections")

    def __str__(self) -> str:
        return f"{self.application} {self.get_status_display()}"

    @property
    def division_code(self) -> str:
        return self.application.village.code

    @property
    def filed_by_label(self) -> str:
        if self.offline:
            return str(_("Received offline")) + f"（{self.offline_source}）"
        if self.filed_by_id:
            return str(self.filed_by)
        return str(_("Public: %(name)s, %(contact)s") % {"name": self.name,
                                                          "contact": self.contact})


class ReviewLog(models.Model):
    """Append-only: every transition of an application and every change of an award."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, null=True,
                                    blank=True, related_name="log",
                                    verbose_name=_("application"))
    award = models.ForeignKey("reviews.Award", on_delete=models.PROTECT, null=True,
                              blank=True, related_name="log", verbose_name=_("award"))
    round = models.PositiveSmallIntegerField(_("round"), default=1)
    action = models.CharField(_("action"), max_length=30)
    from_state = models.CharField(_("from"), max_length=20, blank=True)
    to_state = models.CharField(_("to"), max_length=20, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                              related_name="+", verbose_name=_("by"))
    actor_name = models.CharField(_("by (name)"), max_length=150, blank=True)
    at = models.DateTimeField(_("time"), default=timezone.now)
    reason = models.TextField(_("reason"), blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("review log entry")
        verbose_name_plural = _("review log")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.from_state}→{self.to_state}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Review log entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Review log entries are append-only.")

    def state_label(self, value: str) -> str:
        """An application's or an award's state in words, never its code."""
        from .awards import AwardStatus
        for choices in (AppState, AwardStatus):
            if value in choices.values:
                return str(choices(value).label)
        return value

    @property
    def from_label(self) -> str:
        return self.state_label(self.from_state)

    @property
    def to_label(self) -> str:
        return self.state_label(self.to_state)


class ReviewView(models.Model):
    """A reviewer opened the application in this round: bulk approval needs it."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE,
                                    related_name="views", verbose_name=_("application"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+", verbose_name=_("user"))
    round = models.PositiveSmallIntegerField(_("round"))
    viewed_at = models.DateTimeField(_("viewed at"), auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["application", "user", "round"],
                                               name="one_view_per_reviewer_and_round")]
        verbose_name = _("review view")
        verbose_name_plural = _("review views")
