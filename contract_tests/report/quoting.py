"""Quoting text for a POSIX shell."""

from __future__ import annotations


def single_quoted(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def double_quoted(text: str) -> str:
    for char in '\\"$`':
        text = text.replace(char, "\\" + char)
    return '"' + text + '"'
