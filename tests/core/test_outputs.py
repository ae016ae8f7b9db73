"""Paths a program will write, checked when its options are read: a folder where a file
is wanted, a file where a folder is wanted, or a path under a file is refused at once; a
folder still missing is fine (the writer makes it), and nothing is made by the check."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from contacts_core.outputs import output_file, output_folder


def test_a_file_to_write_may_be_new_under_missing_folders_or_there_already(
    tmp_path: Path,
) -> None:
    new = tmp_path / "out" / "deeper" / "report.md"
    assert output_file(str(new)) == new
    assert not (tmp_path / "out").exists()  # checked, not made
    (tmp_path / "old.md").write_text("")
    assert output_file(str(tmp_path / "old.md")) == tmp_path / "old.md"
    assert output_file("/dev/null") == Path("/dev/null")


def test_a_folder_to_write_in_may_be_new_or_there_already(tmp_path: Path) -> None:
    assert output_folder(str(tmp_path)) == tmp_path
    assert output_folder(str(tmp_path / "new" / "cases")) == tmp_path / "new" / "cases"
    assert not (tmp_path / "new").exists()


@pytest.mark.parametrize(
    ("check", "name", "says"),
    [
        (output_file, ".", "{dir} is a folder: give a file's path"),
        (output_file, "a-file/report.md", "{dir}/a-file is not a folder"),
        (output_file, "", "an empty path"),
        (output_folder, "a-file", "{dir}/a-file is not a folder: give a folder's path"),
        (output_folder, "a-file/cases", "{dir}/a-file is not a folder"),
    ],
)
def test_paths_that_can_never_be_written_are_refused_saying_why(
    tmp_path: Path, check: Callable[[str], Path], name: str, says: str
) -> None:
    (tmp_path / "a-file").write_text("")
    text = str(tmp_path / name) if name else ""
    with pytest.raises(ValueError, match=f"^{re.escape(says.format(dir=tmp_path))}$"):
        check(text)
