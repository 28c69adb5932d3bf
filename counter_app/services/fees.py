"""What a dossier owes and what is still to collect (issue 10).

`fees_due` is the one question the receipt, the fees screen and the reports ask. Contract for the parts
of issue 10: it returns the lines still owed (assessed lines minus what valid receipts already cover).
This first version counts the catalog's fixed amounts once each; part A replaces its body with the
amounts assessed at intake (counts, exemptions) and by the agency (status 6).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from counter_app.domain.fees import FeeAssessment, FeeLine
from counter_app.services.dossiers import DossierNotFound
from counter_app.storage.dossiers import get_row
from counter_app.storage.procedures import get_procedure


def fees_due(session: Session, code: str) -> FeeAssessment:
    """The lines dossier `code` still owes, inside the caller's transaction."""
    row = get_row(session, code)
    if row is None:
        raise DossierNotFound(code)
    procedure = get_procedure(session, row.procedure_code)
    if procedure is None:
        return FeeAssessment()
    lines = tuple(FeeLine(f.name, f.kind, f.amount_vnd) for f in procedure.fees if f.amount_vnd)
    unknown = tuple(f.name for f in procedure.fees if f.amount_vnd is None)
    return FeeAssessment(lines, unknown)
