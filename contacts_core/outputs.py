"""Option values that name where a program writes: a report, a recording, a folder of
cases. They are checked when the options are read, so that a path that can never be
written is refused at once (exit status 2), not after a run whose results it would lose.

A missing folder on the way is fine when it can be made: the writer makes it. Nothing is
made or written here. A check cannot promise the write (a disk may fill up meanwhile):
writers still handle their errors.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["output_file", "output_folder"]


def output_file(text: str) -> Path:
    """A file to write: not a folder, in a folder that is there or that can be made."""
    return _output(text, folder=False)


def output_folder(text: str) -> Path:
    """A folder to write files in: a folder that is there, or one that can be made."""
    return _output(text, folder=True)


def _output(text: str, *, folder: bool) -> Path:
    path = _path(text)
    try:
        if not path.exists():
            _can_make_in(path.parent)
        elif path.is_dir() != folder:
            wanted = (
                "not a folder: give a folder's path" if folder else "a folder: give a file's path"
            )
            raise ValueError(f"{text} is {wanted}")
        else:
            _writable(path)
    except OSError as error:
        raise ValueError(f"{text}: {error.strerror}") from None
    return path


def _path(text: str) -> Path:
    if not text:
        # Path("") is the current folder: never what an empty value meant.
        raise ValueError("an empty path")
    return Path(text)


def _can_make_in(folder: Path) -> None:
    """A missing folder is made from the nearest one that is there: that must be a
    folder this process may create entries in."""
    while not folder.exists():
        folder = folder.parent
    if not folder.is_dir():
        raise ValueError(f"{folder} is not a folder")
    _writable(folder)


def _writable(path: Path) -> None:
    # A folder needs search permission too, to create or open what it holds.
    wanted = os.W_OK | os.X_OK if path.is_dir() else os.W_OK
    if not os.access(path, wanted):
        raise ValueError(f"{path}: permission denied")
