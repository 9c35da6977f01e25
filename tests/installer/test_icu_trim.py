"""ICU's data cut to what Qt uses here (installer/icu_trim.py) serves Qt exactly as
the whole 32 MB did: Vietnamese collation, time zone names, the Vietnamese code page.

The trimmed library is loaded into a real PySide6 process with LD_PRELOAD: it has
the SONAME libicudata.so.73, so ICU takes it in place of the wheel's own copy.
"""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
from pathlib import Path
from typing import Any

import PySide6
import pytest

from installer import icu_trim

QT_LIB = Path(PySide6.__file__).parent / "Qt" / "lib"
WHEEL_DATA = next(iter(sorted(QT_LIB.glob("libicudata.so.*"))), None)
pytestmark = pytest.mark.skipif(WHEEL_DATA is None, reason="this Qt carries no ICU data library")

NAMES = ["Đinh Văn Út", "Dương Thị Lan", "Ân", "An", "Ăn", "Bùi", "Ơn", "Ông", "Ôn", "Ưng",
         "Uyên", "đào", "Đào", "Ý", "Yến", "Giang", "Gia", "Hà", "Ha", "Hạ", "Há", "Ngô",
         "Nguyễn", "tờ trình 10", "tờ trình 9"]  # fmt: skip
# What Qt asks of ICU: collation (QFileSystemModel sorts with it), zone names, converters.
PROBE = """
import functools, json, sys
from PySide6.QtCore import QByteArray, QCollator, QLocale, QStringDecoder, QTimeZone
names = json.loads(sys.argv[1])
out = {}
for loc in ("vi_VN", "en_US", "fr_FR"):
    collator = QCollator(QLocale(loc))
    out[loc] = sorted(names, key=functools.cmp_to_key(collator.compare))
    collator.setNumericMode(True)  # as QFileSystemModel sorts
    out[loc + " numeric"] = sorted(names, key=functools.cmp_to_key(collator.compare))
for loc in ("vi_VN", "en_US"):  # the app's languages (others fall back to English names)
    zone = QTimeZone(QByteArray(b"Asia/Ho_Chi_Minh"))
    out[loc + " zone"] = zone.displayName(
        QTimeZone.TimeType.StandardTime, QTimeZone.NameType.LongName, QLocale(loc))
out["windows-1258"] = QStringDecoder("windows-1258").isValid()
maps = open("/proc/self/maps").read().splitlines()
out["loaded"] = sorted({line.split()[-1] for line in maps if "libicudata" in line})
print(json.dumps(out))
"""


def probe(preload: Path | None = None) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}
    if preload is not None:
        env["LD_PRELOAD"] = str(preload)
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(NAMES)],
        capture_output=True, text=True, timeout=120, check=True, env=env,
    )  # fmt: skip
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def test_the_trimmed_data_serves_qt_as_the_whole_did(tmp_path: Path) -> None:
    assert WHEEL_DATA is not None
    trimmed = tmp_path / WHEEL_DATA.name
    before, after = icu_trim.trim_library(WHEEL_DATA, trimmed)
    assert before > 30_000_000 and after < 3_000_000

    whole, cut = probe(), probe(trimmed)
    assert cut.pop("loaded") == [str(trimmed)]
    assert whole.pop("loaded") == [str(WHEEL_DATA.resolve())]
    assert cut == whole
    # And the whole was right to begin with: Vietnamese order (ă, â after a; đ after d;
    # ô, ơ after o; ư after u), not the root collation's.
    assert cut["vi_VN"][:9] == ["An", "Ăn", "Ân", "Bùi", "Dương Thị Lan", "đào", "Đào",
                                "Đinh Văn Út", "Gia"]  # fmt: skip
    numeric = cut["vi_VN numeric"]
    assert numeric.index("tờ trình 9") + 1 == numeric.index("tờ trình 10")
    assert cut["vi_VN zone"] == "Giờ Đông Dương"
    assert cut["windows-1258"] is True


def data_symbol_at(elf: bytes) -> int:
    """Where ICU's one symbol (after the null one) is in .dynsym."""
    shoff, shnum = struct.unpack_from("<Q", elf, 0x28)[0], struct.unpack_from("<H", elf, 0x3C)[0]
    for i in range(shnum):
        kind, _, _, offset = struct.unpack_from("<IQQQ", elf, shoff + i * 64 + 4)
        if kind == 11:  # SHT_DYNSYM
            return int(offset) + 24
    raise AssertionError("no .dynsym")


def test_a_library_laid_out_otherwise_is_refused() -> None:
    assert WHEEL_DATA is not None
    elf = WHEEL_DATA.read_bytes()
    with pytest.raises(icu_trim.IcuTrimError, match="ELF"):
        icu_trim.rewrite_library(b"MZ" + elf[2:])
    # The symbol no longer covering all of .rodata: something else could be there.
    at = data_symbol_at(elf)
    (size,) = struct.unpack_from("<Q", elf, at + 16)
    changed = bytearray(elf)
    struct.pack_into("<Q", changed, at + 16, size - 16)
    with pytest.raises(icu_trim.IcuTrimError, match="does not fill"):
        icu_trim.rewrite_library(bytes(changed))


def test_the_package_keeps_what_qt_needs_and_drops_the_rest() -> None:
    assert WHEEL_DATA is not None
    elf = WHEEL_DATA.read_bytes()
    value, size = struct.unpack_from("<QQ", elf, data_symbol_at(elf) + 8)
    _, items = icu_trim.read_package(elf[value : value + size])  # offset = address here
    kept = {name.split("/", 1)[1] for name, item in items.items()
            if icu_trim.wanted(name.split("/", 1)[1], item)}  # fmt: skip
    assert {"coll/vi.res", "coll/root.res", "coll/ucadata.icu", "zone/vi.res",
            "ibm-5354_P100-1998.cnv", "cnvalias.icu"} <= kept  # fmt: skip
    assert not kept & {"coll/zh.res", "gb18030.cnv", "brkitr/root.res", "unames.icu"}
