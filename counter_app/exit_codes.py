"""The process exit codes of `counter-app`, the same for its commands and for the GUI (README, "Errors").

0 done; 1 refused (not found, illegal status change, a database the app cannot use); 2 bad input;
3 a database written by a newer version; 4 a damaged database (left untouched); 5 the audit trail is
broken (`verify-audit`: rows changed, deleted or inserted outside the app); 6 the upgrade of an older database
failed or had no room on the disk (the file is left exactly as it was; docs/upgrades.md); 70 an unexpected
error (a bug: the traceback is in the log file, crash.py).
"""

from __future__ import annotations

from counter_app.domain.errors import DomainError, ValidationError, ValidationErrors
from counter_app.storage.database import MigrationFailedError, NewerDatabaseError, NotEnoughSpaceError
from counter_app.storage.integrity import DamagedDatabaseError

EXIT_OK, EXIT_ERROR, EXIT_INVALID, EXIT_NEWER_DB, EXIT_DAMAGED_DB = 0, 1, 2, 3, 4
EXIT_AUDIT_BROKEN = 5
EXIT_UPGRADE_FAILED = 6
EXIT_UNEXPECTED = 70  # BSD's EX_SOFTWARE: an internal error, not the input's nor the database's fault


def exit_code_for(error: DomainError) -> int:
    """The documented exit code of a refusal."""
    if isinstance(error, NewerDatabaseError):
        return EXIT_NEWER_DB
    if isinstance(error, DamagedDatabaseError):
        return EXIT_DAMAGED_DB
    if isinstance(error, MigrationFailedError | NotEnoughSpaceError):
        return EXIT_UPGRADE_FAILED
    return EXIT_INVALID if isinstance(error, ValidationError | ValidationErrors) else EXIT_ERROR
