"""Account rules without I/O: the hash format, and which of two versions every replica keeps."""

from datetime import UTC, datetime, timedelta

from counter_app.domain.accounts import (
    AccountVersion,
    Role,
    hash_password,
    is_password_hash,
    merged,
    verify_password,
)

T0 = datetime(2026, 3, 9, 2, 0, tzinfo=UTC)


def version(n: int, at: datetime = T0, *, disabled: bool = False, name: str = "Trần Thị Mai", digest: str = "h") -> AccountVersion:
    return AccountVersion("mai", name, Role.CLERK, digest, disabled, n, at)


def test_a_hash_verifies_its_password_only_and_carries_a_fresh_salt() -> None:
    first, second = hash_password("matkhau123"), hash_password("matkhau123")
    assert first != second and is_password_hash(first)
    assert verify_password("matkhau123", first) and not verify_password("matkhau124", first)


def test_a_forged_hash_matches_nothing_and_costs_nothing() -> None:
    for forged in ("scrypt$20$8$1$" + "A" * 22 + "$" + "B" * 43, "plain", "scrypt$14$8$1$x$y", "", "scrypt$14$8$1$" + "A" * 22 + "$" + "B" * 43 + "\n"):
        assert not is_password_hash(forged)
        assert not verify_password("matkhau123", forged)


def test_the_higher_version_wins_whatever_the_order_of_arrival() -> None:
    old, new = version(1, name="Tran Thi Mai"), version(2, T0 + timedelta(minutes=1))
    assert merged(old, new) == new and merged(new, old) == new
    # Two desks changing the same version at once: the later change wins, then the hash, on every desk.
    a, b = version(2, T0 + timedelta(minutes=1), digest="a"), version(2, T0 + timedelta(minutes=2), digest="b")
    assert merged(a, b) == merged(b, a) == b


def test_a_disabled_account_stays_disabled_even_against_a_newer_version() -> None:
    disabled = version(2, disabled=True)
    newer_enabled = version(3, T0 + timedelta(hours=1), digest="new")
    for kept in (merged(disabled, newer_enabled), merged(newer_enabled, disabled)):
        assert kept.disabled and kept.version == 3 and kept.password_hash == "new"
