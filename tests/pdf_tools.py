"""Poppler's command-line tools, which the tests use to read the PDFs the portal makes.
`make test` installs them (Debian's poppler-utils); a machine without them fails loudly."""

from __future__ import annotations

import shutil
import subprocess


def poppler(name: str, *arguments: str) -> str:
    """Run pdftotext, pdftoppm or pdfinfo; what it printed."""
    path = shutil.which(name)
    assert path is not None, f"{name} is missing: install Debian's poppler-utils (make test does)"
    result = subprocess.run(  # noqa: S603 - a fixed tool found on the PATH
        [path, *arguments], capture_output=True, text=True, check=True, timeout=60
    )
    return result.stdout
