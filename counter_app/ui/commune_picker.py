"""Choosing the applicant's commune (xã/phường/đặc khu, map from 01/7/2025) by typing, marks optional.

"hai chau" lists "Phường Hải Châu — Thành phố Đà Nẵng" (and the other Hải Châu); communes of the
counter's own province come first, because most citizens live nearby. The field starts on the counter's
own ward. Up/Down/Enter work as in the procedure picker (`type_ahead.TypeAheadEdit`).

Text typed but not chosen from the list is not stored as free text: on save it gets a message at the
field (choose from the list, or empty the field to keep the whole address as typed in "Địa chỉ").
Only a full official name that fits exactly one commune ("phuong hai chau") is taken as chosen.
"""

from __future__ import annotations

import re

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from counter_app.domain import admin_units, labels
from counter_app.domain.admin_units import AdminUnit
from counter_app.domain.errors import ValidationError
from counter_app.domain.text import fold, nfc, search_tokens
from counter_app.ui.type_ahead import TypeAheadEdit

MAX_SHOWN = 40
_SEARCHED = 300  # units asked of the search before the home province is moved first
_TYPE_WORD = re.compile(r"^(?:thanh pho|tinh|phuong|xa|dac khu|tp|p)(?:\.\s*|\s+)")


def commune_label(unit: AdminUnit) -> str:
    """What the field shows once chosen: "Phường Hải Châu — Thành phố Đà Nẵng"."""
    return f"{unit.name} — {admin_units.province_name(unit.province_code)}"


def find_communes(query: str, home_province: int | None = None, limit: int = MAX_SHOWN) -> list[AdminUnit]:
    """Commune-level units matching `query` (no provinces), those of `home_province` first."""
    units = [u for u in admin_units.search_units(query, _SEARCHED) if not u.is_province]
    units.sort(key=lambda unit: unit.province_code != home_province)  # stable: keeps the search's ranking
    return units[:limit]


def _bare(text: str) -> str:
    """'thành phố Đà Nẵng', 'TP. Đà Nẵng', 'Đà Nẵng' -> 'da nang'."""
    return " ".join(search_tokens(_TYPE_WORD.sub("", fold(text))))


def street_part(address: str, unit: AdminUnit) -> str:
    """`address` without trailing parts naming `unit` or its province (an ID card writes them in full).

    "Số 12 Lê Lợi, phường Hải Châu, thành phố Đà Nẵng" -> "Số 12 Lê Lợi", so the stored address does
    not say the commune twice. Anything else (an old district, an old commune name) is kept as typed.
    """
    names = {_bare(unit.name), _bare(admin_units.province_name(unit.province_code))}
    parts = [nfc(part) for part in address.split(",")]
    while parts and (not parts[-1] or _bare(parts[-1]) in names):
        parts.pop()
    return ", ".join(part for part in parts if part)


class CommunePicker(TypeAheadEdit):
    """`unit()` is the chosen commune while the text shows it; `reset()` goes back to the counter's ward."""

    unit_chosen = Signal(object)  # AdminUnit

    def __init__(
        self, default_ward_code: int | None = None, home_province: int | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__("commune_popup", parent)
        self.setObjectName("commune_picker")
        self.setPlaceholderText(self.tr("Gõ tên xã/phường (không cần dấu), ví dụ: hai chau; để trống nếu ghi ở ô Địa chỉ"))
        self.setAccessibleName(labels.WARD)
        self._chosen: AdminUnit | None = None
        self.default_unit: AdminUnit | None = None
        if default_ward_code is not None:
            try:
                self.default_unit = admin_units.ward(int(default_ward_code))
            except (KeyError, ValueError):
                self.default_unit = None  # a pre-2025 code in an old profile: no default
        self.home_province = home_province or (self.default_unit.province_code if self.default_unit else None)
        self.reset()

    # -- choice ----------------------------------------------------------------------------------

    def unit(self) -> AdminUnit | None:
        """The chosen commune, or None once the clerk has typed something else over it."""
        if self._chosen is not None and self.text() == commune_label(self._chosen):
            return self._chosen
        return None

    def choose(self, unit: AdminUnit) -> None:
        self._chosen = unit
        super().setText(commune_label(unit))
        self.setCursorPosition(0)
        self.hide_popup()
        self.unit_chosen.emit(unit)

    def reset(self) -> None:
        """Back to the counter's own ward (empty when the counter has none)."""
        if self.default_unit is not None:
            self.choose(self.default_unit)
        else:
            self._chosen = None
            super().setText("")
            self.hide_popup()

    def is_default(self) -> bool:
        if self.default_unit is None:
            return not self.text().strip()
        return self.unit() is self.default_unit

    def resolve_typed(self) -> AdminUnit | None:
        """The chosen commune; a full official name typed without choosing counts when only one unit has it."""
        chosen = self.unit()
        text = self.text().strip()
        if chosen is not None or not text:
            return chosen
        wanted = fold(text)
        exact = [
            unit for unit in find_communes(text, self.home_province, _SEARCHED)
            if wanted in (fold(unit.name), fold(commune_label(unit)))
        ]
        if len(exact) == 1:
            self.choose(exact[0])
            return exact[0]
        return None

    def typed_error(self) -> ValidationError | None:
        """The message for text that is not a chosen commune (None when chosen or empty)."""
        text = nfc(self.text())
        if not text or self.unit() is not None:
            return None
        found = find_communes(text, self.home_province)
        why = self.tr("chưa được chọn trong danh sách gợi ý") if found else self.tr("không có trong danh mục xã/phường từ 01/7/2025")
        return ValidationError(
            admin_units.WARD_FIELD,
            self.tr("{ward}: «{text}» {why}. Gõ tên rồi chọn trong danh sách (↓, Enter), hoặc xóa trống ô này để ghi cả địa chỉ ở ô Địa chỉ.").format(ward=labels.WARD, text=text, why=why),
            labels.WARD,
        )

    # -- list --------------------------------------------------------------------------------------

    def _on_edited(self, text: str) -> None:
        if not text.strip():
            self.hide_popup()
            return
        self.show_matches(find_communes(text, self.home_province))

    def show_matches(self, units: list[AdminUnit]) -> None:
        note = "" if units else self.tr("Không có xã/phường nào khớp (danh mục từ 01/7/2025); hãy gõ ít chữ hơn.")
        self.show_rows(((commune_label(u), u, u.name) for u in units), note)

    def _choose_data(self, data: object) -> None:
        if isinstance(data, AdminUnit):
            self.choose(data)

    def _open_list(self) -> bool:
        """Down on a chosen (or empty) field lists that province's communes, the chosen one current."""
        chosen = self.unit()
        if chosen is None and self.text().strip():
            self.show_matches(find_communes(self.text(), self.home_province))
            return True
        province = chosen.province_code if chosen else self.home_province
        if province is None:
            return False
        units = admin_units.wards_of(province)
        self.show_matches(units)
        if chosen is not None and chosen in units:
            self.popup.setCurrentRow(units.index(chosen))
            self.popup.scrollToItem(self.popup.currentItem())
        return True
