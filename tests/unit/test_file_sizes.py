from __future__ import annotations

import pytest

from portal.common.file_sizes import readable_size


@pytest.mark.parametrize(
    ("size", "text"),
    [
        (1, "1 byte"),
        (512, "512 bytes"),
        (1023, "1023 bytes"),
        (1024, "1 KB"),
        (1600, "2 KB"),
        (12_345, "12 KB"),
        (1024 * 1024 - 1, "1.0 MB"),  # never "1024 KB"
        (1024 * 1024, "1.0 MB"),
        (2_400_000, "2.3 MB"),
    ],
)
def test_sizes_read_as_the_design_system_writes_them(size: int, text: str) -> None:
    assert readable_size(size) == text
