"""Signals for other apps (notifications): sent after the transaction commits.

- application_transitioned(sender=Application, application, log, action): any
  transition of an application (submitted, passed, returned, approved, rejected,
  published in a notice, awarded); `log` is the ReviewLog row.
- notice_started(sender=PublicNotice, notice, applications): a public notice began.
- award_changed(sender=Award, award, log, action): "awarded", "revoked" or "reinstated".
"""

from django.dispatch import Signal

application_transitioned = Signal()
notice_started = Signal()
award_changed = Signal()
