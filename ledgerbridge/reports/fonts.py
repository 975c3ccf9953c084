"""The CJK font that PDFs embed and charts draw with (Debian's ``fonts-noto-cjk``).

Without it Chinese would print as empty boxes, so rendering a PDF or a chart without
a CJK font is an error that says how to install one, never a silent fallback.
``LEDGERBRIDGE_CJK_FONT`` names another font file (TTF, OTF or a TTC collection).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from ledgerbridge.errors import LedgerbridgeError

ENV = "LEDGERBRIDGE_CJK_FONT"
CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)
INSTALL_HINT = "install Debian's fonts-noto-cjk (`make setup` does it as root) or set LEDGERBRIDGE_CJK_FONT"


@dataclass(frozen=True)
class CjkFont:
    """A font file and, in a collection, the index of its Simplified Chinese face."""

    path: Path
    index: int
    family: str


def _fc_match() -> str | None:
    if not shutil.which("fc-match"):
        return None
    try:
        out = subprocess.run(
            ["fc-match", "-f", "%{file}", ":lang=zh-cn"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def _sc_face(path: Path) -> tuple[int, str]:
    """(index, family) of the Simplified Chinese face of a font file or collection."""
    from fontTools.ttLib import TTCollection, TTFont

    if path.suffix.lower() in (".ttc", ".otc"):
        fonts = TTCollection(str(path), lazy=True).fonts
    else:
        fonts = [TTFont(str(path), lazy=True)]
    names = [f["name"].getDebugName(1) or path.stem for f in fonts]
    index = next((i for i, n in enumerate(names) if " SC" in n or n.endswith("SC")), 0)
    return index, names[index]


@cache
def cjk_font() -> CjkFont:
    """The CJK font to use; raises when none is installed."""
    chosen = os.environ.get(ENV, "").strip()
    paths = [chosen] if chosen else [*CANDIDATES, _fc_match() or ""]
    for candidate in paths:
        if candidate and Path(candidate).is_file():
            index, family = _sc_face(Path(candidate))
            return CjkFont(Path(candidate), index, family)
    where = chosen or ", ".join(CANDIDATES)
    raise LedgerbridgeError(f"no CJK font found ({where}): {INSTALL_HINT}")
