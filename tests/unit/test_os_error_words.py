"""The operating system's refusals told in Vietnamese (domain/errors.os_error_words): real errors, made by
really asking the file system, never the system's English `strerror` in a clerk's message."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from counter_app.domain.errors import os_error_words
from counter_app.updates.extract import BadArchive
from counter_app.updates.install import swap_in


def _raised(action) -> OSError:
    with pytest.raises(OSError) as caught:
        action()
    return caught.value


def test_real_refusals_in_vietnamese(tmp_path: Path) -> None:
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "a").write_text("x")
    (tmp_path / "empty").mkdir()
    missing = _raised(lambda: (tmp_path / "none" / "f").write_text("x"))
    too_long = _raised(lambda: (tmp_path / ("a" * 300)).mkdir())
    not_empty = _raised(lambda: os.replace(tmp_path / "empty", tmp_path / "full"))

    assert os_error_words(missing, "thư mục ứng dụng") == "thư mục ứng dụng không tồn tại"
    assert os_error_words(too_long) == "tên tệp hoặc thư mục quá dài"
    assert os_error_words(not_empty, "thư mục ứng dụng") == "thư mục ứng dụng đã có tệp hoặc thư mục trùng tên"


def test_a_swap_that_cannot_rename_says_why_in_vietnamese(tmp_path: Path) -> None:
    """The update's swap over a bundle folder that is not there: once «(No such file or directory)»."""
    from tests.updates.bundles import make_tarball

    tarball = make_tarball(tmp_path / "r.tar.gz", "0.2.0")
    (tmp_path / "opt").mkdir()  # the folder is there, the bundle in it is not (moved by hand)
    with pytest.raises(BadArchive) as refused:
        swap_in(tarball, tmp_path / "opt" / "counter-app", "0.2.0")
    assert refused.value.message == ("Không thay được thư mục ứng dụng (thư mục ứng dụng không tồn tại); ứng dụng hiện "
                                     "tại giữ nguyên.")
