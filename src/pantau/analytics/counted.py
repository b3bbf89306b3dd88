"""Which observations count: the one rule every analytics table and export is built on."""

from __future__ import annotations

from sqlalchemy import Select, and_, select

from pantau.store.models import Observation, Submission, SubmissionVersion

# The review states whose figures are published. Review and approval (issue 4) will set them;
# until then a submission arrives approved only when its source says so (KoboToolbox
# validation status, ODK Central review state, `Incoming.review_state`).
COUNTED_STATES: tuple[str, ...] = ("approved",)


def counted_observations(operation_id: int) -> Select:
    """The observations of an operation that count, as a query on the operational store.

    An observation counts when all of these hold:

    - its submission version is the submission's **current** version (an edit replaces the
      figures of the version it edits; older versions are history, not data);
    - its submission is **not deleted** (`deleted_at` is empty);
    - its submission's review state is **approved** (`COUNTED_STATES`): figures nobody has
      approved are never published, however plausible they look;
    - it is placed in a **round** (an observation whose date fell in no round, or in two,
      cannot be compared with anything and waits until the rounds are fixed).

    Everything else in pantau's analytics reads through this query, so the rule changes here
    and only here.
    """
    return (select(Observation)
            .join(SubmissionVersion, SubmissionVersion.id == Observation.version_id)
            .join(Submission, Submission.id == SubmissionVersion.submission_id)
            .where(and_(Observation.operation_id == operation_id,
                        SubmissionVersion.current.is_(True),
                        Submission.deleted_at.is_(None),
                        Submission.review_state.in_(COUNTED_STATES),
                        Observation.round_id.is_not(None))))
