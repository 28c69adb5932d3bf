"""One word for each field: the form, its messages and the slip say the same thing."""

from __future__ import annotations

import pytest

from counter_app.domain import labels
from counter_app.domain.errors import ValidationError
from counter_app.domain.validation import normalize_email, normalize_phone


def test_each_field_has_one_distinct_label() -> None:
    words = list(labels.BY_FIELD.values())
    assert len(words) == len(set(words))
    assert labels.BY_FIELD["full_name"] == "Họ và tên"
    assert labels.caption(labels.PHONE) == "Số điện thoại:"


def test_a_validation_message_starts_with_the_fields_label() -> None:
    with pytest.raises(ValidationError) as phone:
        normalize_phone("0123")
    assert phone.value.message.startswith(f"{labels.PHONE}:")
    assert phone.value.label == labels.PHONE
    with pytest.raises(ValidationError) as email:
        normalize_email("duc@")
    assert email.value.message.startswith(f"{labels.EMAIL}:")
