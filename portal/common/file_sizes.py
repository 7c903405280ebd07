"""A file's size as the GOV.UK Design System writes it in a link to the file, for example
"Payment list (CSV, 12 KB)"."""

from __future__ import annotations

_KB = 1024
_MB = _KB * _KB


def readable_size(size: int) -> str:
    """1 to 1023 bytes as bytes, then whole kilobytes (never "0 KB"), then megabytes to one
    place: 512 -> '512 bytes', 12_345 -> '12 KB', 2_400_000 -> '2.3 MB'."""
    if size < _KB:
        return f"{size} byte{'' if size == 1 else 's'}"
    kilobytes = max(1, round(size / _KB))
    if kilobytes < _KB:
        return f"{kilobytes} KB"
    return f"{size / _MB:.1f} MB"
