"""Qt's ICU data library cut down to what dxdesk uses: 32 MB of the bundle's 150.

PySide6's Qt Core links ICU 73 (``libicuuc``, ``libicui18n``), whose data sits in
``libicudata.so.73``: one exported symbol (``icudt73_dat``) holding an ICU "common
data" package of ~3,900 items, every locale's names of currencies, units,
languages, regions, time zones, break rules, transliterators and code pages.
The distribution's ICU cannot replace it: ICU's symbols carry its major version
(``ucol_open_73``), and Debian 12 ships 72, Ubuntu 24.04 74.

Qt Core calls exactly four groups of ICU functions (``nm -D --undefined-only
libQt6Core.so.6 | grep _73``): collation (``ucol_*``: ``QCollator``, which Qt's
file dialogs sort names with), code page converters (``ucnv_*``: a
``QStringConverter`` asked for a legacy encoding by name), time zone names
(``ucal_getTimeZoneDisplayName``, ``ucal_getCanonicalTimeZoneID``) and case
mapping (``u_strToUpper``/``u_strToLower``: compiled into libicuuc, no data). So
the package keeps, for the app's two languages (Vietnamese, English) and the
root they fall back to: the collation tables, the locale and time zone bundles
on that fallback path, and every single-byte code page (Windows-1258, ISO 8859,
DOS, Mac: ~0.4 MB together; the CJK multi-byte tables, 4.7 MB, go). A locale
left out falls back to the root collation, as ICU does for any locale it has no
tailoring for.

The library is rewritten, not rebuilt (no compiler needed): the same ELF file
with the smaller package in place of the old one and what followed it moved up
by whole pages (``rewrite_library``). It refuses any layout but the simple one
ICU's data library has (headers, the symbol's ``.rodata``, ``.dynamic``), so a
future wheel built differently stops the build instead of shipping a broken file.
"""

from __future__ import annotations

import struct
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LANGUAGES = ("vi", "en")  # dxdesk.messages.LANGUAGES; the installer reads no app code
PAGE = 0x1000


class IcuTrimError(Exception):
    """The file is not laid out as this module knows how to rewrite."""


def _locale_files(tree: str, extra: Iterable[str] = ()) -> set[str]:
    names = {"root", "res_index", "pool", *extra}
    for lang in LANGUAGES:
        names.add(lang)
        names.add(f"{lang}_{'VN' if lang == 'vi' else 'US'}")  # the QLocale the app sets
    return {f"{tree}{name}.res" for name in names}


KEPT = frozenset(
    _locale_files("coll/")
    | {"coll/ucadata.icu"}  # the root collation (DUCET) that every tailoring builds on
    | _locale_files("", ("likelySubtags", "supplementalData", "metadata"))
    | _locale_files("zone/", ("tzdbNames",))
    | {"zoneinfo64.res", "metaZones.res", "timezoneTypes.res", "windowsZones.res"}
    # a zone's name goes through a date format, which needs these (else "GMT+07:00")
    | {"numberingSystems.res", "keyTypeData.res"}
    | {"cnvalias.icu"}  # converter names and aliases ("windows-1258" → ibm-5354)
)


def _single_byte_converter(item: bytes) -> bool:
    # A .cnv item: its DataHeader, then UConverterStaticData: structSize (4),
    # name (60), codepage (4), platform, conversionType, minBytesPerChar,
    # maxBytesPerChar (1 each).
    header_size = struct.unpack_from("<H", item, 0)[0]
    return item[header_size + 71] == 1


def wanted(name: str, item: bytes) -> bool:
    """Whether the package item ``name`` (without the ``icudt73l/`` prefix) stays."""
    if name.endswith(".cnv"):
        return _single_byte_converter(item)
    return name in KEPT


def read_package(blob: bytes) -> tuple[bytes, dict[str, bytes]]:
    """An ICU common data package ("CmnD", table-of-contents format): its header
    and its items by full name (``icudt73l/coll/vi.res``), padding included."""
    header_size = struct.unpack_from("<H", blob, 0)[0]
    if blob[2:4] != b"\xda\x27" or blob[12:16] != b"CmnD" or blob[16] != 1 or blob[8] != 0:
        raise IcuTrimError("not a little-endian ICU common data package (CmnD, format 1)")
    count = struct.unpack_from("<I", blob, header_size)[0]
    entries = [struct.unpack_from("<II", blob, header_size + 4 + 8 * i) for i in range(count)]
    starts = [*sorted(data for _, data in entries), len(blob) - header_size]
    following = {start: starts[i + 1] for i, start in enumerate(starts[:-1])}
    items = {}
    for name_at, data_at in entries:
        end = blob.index(b"\0", header_size + name_at)
        name = blob[header_size + name_at : end].decode("ascii")
        items[name] = blob[header_size + data_at : header_size + following[data_at]]
    return blob[:header_size], items


def _pad(data: bytes, to: int = 16) -> bytes:
    return data + b"\0" * (-len(data) % to)


def write_package(header: bytes, items: dict[str, bytes]) -> bytes:
    """The package ICU reads: names sorted (it binary-searches them), each item
    16-byte aligned as ICU's loaders expect."""
    names = sorted(items)  # ASCII: the order of ICU's strcmp
    table_size = 4 + 8 * len(names)
    name_block = b"".join(name.encode("ascii") + b"\0" for name in names)
    name_offsets, at = [], table_size
    for name in names:
        name_offsets.append(at)
        at += len(name) + 1
    data_at = len(_pad(b"\0" * (table_size + len(name_block))))
    data_offsets, blobs = [], []
    for name in names:
        data_offsets.append(data_at)
        blobs.append(_pad(items[name]))
        data_at += len(blobs[-1])
    table = struct.pack("<I", len(names)) + b"".join(
        struct.pack("<II", n, d) for n, d in zip(name_offsets, data_offsets, strict=True)
    )
    return header + _pad(table + name_block) + b"".join(blobs)


def trim_package(blob: bytes) -> bytes:
    header, items = read_package(blob)
    prefix = next(iter(items)).split("/", 1)[0] + "/"  # icudt73l/
    kept = {name: item for name, item in items.items() if wanted(name[len(prefix) :], item)}
    return write_package(header, kept)


# ELF64 little-endian structures (the System V ABI); field indexes as in the spec.
_EHDR = struct.Struct("<16sHHIQQQIHHHHHH")  # [5] e_phoff, [6] e_shoff, [10] phnum, [12] shnum
_PHDR = struct.Struct("<IIQQQQQQ")  # [2] offset, [3] vaddr, [4] paddr, [5] filesz, [6] memsz
_SHDR = struct.Struct("<IIQQQQIIQQ")  # [0] name, [1] type, [3] addr, [4] offset, [5] size
_SYM = struct.Struct("<IBBHQQ")  # [4] value, [5] size
_DYN = struct.Struct("<qQ")
_SHT_DYNSYM, _SHT_DYNAMIC = 11, 6
# .dynamic tags whose value is an address: none may point past the data.
_DT_ADDRESSES = {3, 4, 5, 6, 7, 12, 13, 17, 23, 25, 26, 0x6FFFFEF5, 0x6FFFFFF0, 0x6FFFFFFC,
                 0x6FFFFFFE}  # fmt: skip


@dataclass
class _Layout:
    header: list[Any]
    sections: list[list[int]]
    rodata: list[int]
    symbol_at: int  # where the data symbol's entry is in the file
    symbol: list[int]

    @property
    def data(self) -> slice:
        return slice(self.rodata[4], self.rodata[4] + self.rodata[5])


def _layout(elf: bytes) -> _Layout:
    """The data library's parts, after checking it is as simple as ICU makes it:
    one symbol filling ``.rodata``, and nothing after it that anything points to."""
    if elf[:6] != b"\x7fELF\x02\x01":
        raise IcuTrimError("not a 64-bit little-endian ELF file")
    header = list(_EHDR.unpack_from(elf, 0))
    shoff, shnum, shstrndx = header[6], header[12], header[13]
    sections = [list(_SHDR.unpack_from(elf, shoff + i * _SHDR.size)) for i in range(shnum)]

    def name_of(section: list[int]) -> str:
        start = sections[shstrndx][4] + section[0]
        return elf[start : elf.index(b"\0", start)].decode("ascii")

    by_name = {name_of(s): s for s in sections}
    rodata, dynsym = by_name.get(".rodata"), by_name.get(".dynsym")
    if rodata is None or dynsym is None or dynsym[1] != _SHT_DYNSYM:
        raise IcuTrimError("no .rodata or .dynsym section")
    entries_at = range(dynsym[4], dynsym[4] + dynsym[5], _SYM.size)
    found = [(at, list(_SYM.unpack_from(elf, at))) for at in entries_at]
    data = [(at, sym) for at, sym in found if sym[4] == rodata[3]]
    if len(data) != 1 or data[0][1][5] != rodata[5]:
        raise IcuTrimError("the data symbol does not fill .rodata exactly")
    if any(sym[4] > rodata[3] for _, sym in found):
        raise IcuTrimError("a symbol lies past the data")
    end_addr, end_off = rodata[3] + rodata[5], rodata[4] + rodata[5]
    for section in sections:
        if section[1] == _SHT_DYNAMIC:
            entries = [_DYN.unpack_from(elf, section[4] + i * _DYN.size)
                       for i in range(section[5] // _DYN.size)]  # fmt: skip
            if any(tag in _DT_ADDRESSES and value >= end_addr for tag, value in entries):
                raise IcuTrimError("a dynamic entry points past the data")
        elif section is not rodata and rodata[4] <= section[4] < end_off:
            raise IcuTrimError(f"section {name_of(section)} overlaps the data")
    return _Layout(header, sections, rodata, data[0][0], data[0][1])


def rewrite_library(elf: bytes, transform: Callable[[bytes], bytes] = trim_package) -> bytes:
    """``elf`` (ICU's data library) with its data symbol's package passed through
    ``transform``; what followed the data moves up by whole pages, so every
    segment keeps its offset ≡ address (mod page) and nothing needs relocating."""
    layout = _layout(elf)
    old = elf[layout.data]
    new_data = transform(old)
    if len(new_data) > len(old):
        raise IcuTrimError("the trimmed package is not smaller")
    shift = (len(old) - len(new_data)) // PAGE * PAGE
    new_size = len(old) - shift
    end = layout.data.stop
    out = bytearray(elf[: layout.data.start] + new_data.ljust(new_size, b"\0") + elf[end:])

    header = layout.header
    phoff, shoff = header[5], header[6]
    if shoff >= end:
        header[6] = shoff - shift
    _EHDR.pack_into(out, 0, *header)
    for i in range(header[10]):
        ph = list(_PHDR.unpack_from(elf, phoff + i * _PHDR.size))
        if ph[2] >= end:  # after the data: offset and addresses move up
            ph[2:5] = [ph[2] - shift, ph[3] - shift, ph[4] - shift]
        elif ph[2] + ph[5] >= end:  # the segment that holds the data shrinks
            ph[5:7] = [ph[5] - shift, ph[6] - shift]
        _PHDR.pack_into(out, phoff + i * _PHDR.size, *ph)
    for i, section in enumerate(layout.sections):
        if section is layout.rodata:
            section[5] = new_size
        elif section[4] >= end:
            section[4] -= shift
            section[3] -= shift if section[3] else 0
        _SHDR.pack_into(out, header[6] + i * _SHDR.size, *section)
    layout.symbol[5] = new_size
    _SYM.pack_into(out, layout.symbol_at, *layout.symbol)
    return bytes(out)


def trim_library(source: Path, target: Path) -> tuple[int, int]:
    """Write the trimmed copy of ``source`` to ``target``; the sizes before and after."""
    elf = source.read_bytes()
    trimmed = rewrite_library(elf)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(trimmed)
    return len(elf), len(trimmed)


if __name__ == "__main__":  # python installer/icu_trim.py SOURCE TARGET
    before, after = trim_library(Path(sys.argv[1]), Path(sys.argv[2]))
    print(f"{before / 1e6:.1f} MB -> {after / 1e6:.1f} MB")
