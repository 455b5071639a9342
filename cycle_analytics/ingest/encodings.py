"""Files that mix two encodings: decoded line by line into UTF-8, with a note naming the lines.

A file edited by several programs can hold UTF-8 lines and Windows-1252 (cp1252) lines side by
side. Read as one encoding, every value with an accent is then split in two ("Nörthgäte" and its
mojibake twin "NÃ¶rthgÃ¤te"). :func:`scan_encoding` makes one streaming pass (whole chunks are
decoded at C speed; only chunks that fail are split into lines) and tells which lines are not UTF-8;
:func:`decode_by_line` then writes the file as UTF-8:

* a line that is valid UTF-8 stays as it is (valid UTF-8 with accents is practically never meant
  as cp1252);
* a line that is not, and holds no UTF-8 sequence, is read as cp1252 (latin-1 for the five bytes
  cp1252 leaves undefined);
* a line that mixes both *within itself* is read byte run by byte run: UTF-8 sequences as UTF-8,
  the other bytes as cp1252. Such lines are named separately in the note.

When no line is UTF-8 with accents, the file is simply cp1252 and nothing here is needed
(:attr:`EncodingScan.mixed` is false).

Example
-------
>>> data = "id,branch\\n1,Nörthgäte\\n".encode("utf-8") + "2,Nörthgäte\\n".encode("cp1252")
>>> scan = scan_encoding(data)
>>> scan.mixed, scan.other_lines
(True, (3,))
>>> decode_by_line(data).decode("utf-8").splitlines()[1:]
['1,Nörthgäte', '2,Nörthgäte']
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from pathlib import Path

from cycle_analytics.i18n import format_number, ngettext
from cycle_analytics.i18n import gettext as _

_CHUNK = 8 * 1024 * 1024
SHOWN_LINES = 10  # line numbers named in a note; the rest are counted

# One well-formed multi-byte UTF-8 sequence (RFC 3629 table 3-7).
_UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}|\xed[\x80-\x9f][\x80-\xbf]"
    rb"|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)


@dataclass(frozen=True)
class EncodingScan:
    """Which lines of a file are UTF-8 and which are not.

    ``utf8_text``: some line with non-ASCII characters is valid UTF-8. ``other_lines``: the first
    line numbers (1-based, up to ``SHOWN_LINES``) that are not valid UTF-8, of ``n_other`` in all;
    ``within_lines`` / ``n_within``: those of them that mix UTF-8 sequences with other bytes.
    ``lines``: lines in the file.
    """

    utf8_text: bool
    other_lines: tuple[int, ...]
    n_other: int
    within_lines: tuple[int, ...]
    n_within: int
    lines: int

    @property
    def mixed(self) -> bool:
        """UTF-8 lines with accents *and* lines in another encoding: decode line by line."""
        return self.utf8_text and self.n_other > 0

    def note(self) -> str:
        """The sentence for the import notes (empty when the file is not mixed)."""
        if not self.mixed:
            return ""
        out = ngettext("The file mixes encodings: line {lines} ({n} of {total}) is not UTF-8 and was read as "
                       "Windows-1252 (cp1252); the other lines as UTF-8.",
                       "The file mixes encodings: lines {lines} ({n} of {total}) are not UTF-8 and were read as "
                       "Windows-1252 (cp1252); the other lines as UTF-8.", self.n_other).format(
            lines=_line_list(self.other_lines, self.n_other), n=format_number(self.n_other),
            total=format_number(self.lines))
        if self.n_within:
            out += " " + ngettext("Line {lines} mixes both within the line and was read part by part: check "
                                  "its values.",
                                  "Lines {lines} mix both within the line and were read part by part: check "
                                  "their values.", self.n_within).format(
                lines=_line_list(self.within_lines, self.n_within))
        return out


def _line_list(shown: tuple[int, ...], total: int) -> str:
    """The line numbers shown, and how many more there are (``"9, 42, 43"``, ``"9, 42 and 1,200 more"``)."""
    text = ", ".join(format_number(n) for n in shown)
    if total > len(shown):
        return _("{numbers} and {more} more").format(numbers=text, more=format_number(total - len(shown)))
    return text


def _line_chunks(source):
    """``(first line number, bytes)`` pieces of ``source`` (bytes or a path) that end at a line end."""
    def pieces():
        if isinstance(source, (str, Path)):
            with open(source, "rb") as fh:
                while True:
                    piece = fh.read(_CHUNK)
                    if not piece:
                        return
                    yield piece
        else:
            view = memoryview(source)
            for start in range(0, len(view), _CHUNK):
                yield bytes(view[start:start + _CHUNK])

    carry, line = b"", 1
    for piece in pieces():
        piece = carry + piece
        cut = piece.rfind(b"\n") + 1
        if cut == 0:
            carry = piece
            continue
        carry = piece[cut:]
        yield line, piece[:cut]
        line += piece.count(b"\n", 0, cut)
    if carry:
        yield line, carry


def _is_utf8(data: bytes) -> bool:
    try:
        codecs.utf_8_decode(data, "strict", True)
        return True
    except UnicodeDecodeError:
        return False


def scan_encoding(source) -> EncodingScan:
    """One streaming pass over ``source`` (bytes or a path) classifying its lines (see the module docstring)."""
    utf8_text, other, within, n_other, n_within, lines = False, [], [], 0, 0, 0
    for first, chunk in _line_chunks(source):
        n_lines = chunk.count(b"\n") + (0 if chunk.endswith(b"\n") else 1)
        lines = first - 1 + n_lines
        if chunk.isascii():
            continue
        if _is_utf8(chunk):
            utf8_text = True
            continue
        for k, text in enumerate(chunk.split(b"\n")):
            if text.isascii():
                continue
            if _is_utf8(text):
                utf8_text = True
                continue
            n_other += 1
            if len(other) < SHOWN_LINES:
                other.append(first + k)
            if _UTF8_SEQUENCE.search(text):
                utf8_text = True
                n_within += 1
                if len(within) < SHOWN_LINES:
                    within.append(first + k)
    return EncodingScan(utf8_text=utf8_text, other_lines=tuple(other), n_other=n_other,
                        within_lines=tuple(within), n_within=n_within, lines=lines)


def _decode_line(text: bytes) -> str:
    """One line that is not valid UTF-8: cp1252, or UTF-8 runs and cp1252 bytes when it holds both."""
    if not _UTF8_SEQUENCE.search(text):
        return _cp1252(text)
    out, pos = [], 0
    for m in _UTF8_SEQUENCE.finditer(text):
        out.append(_cp1252(text[pos:m.start()]))
        out.append(m.group().decode("utf-8"))
        pos = m.end()
    out.append(_cp1252(text[pos:]))
    return "".join(out)


def _cp1252(data: bytes) -> str:
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:  # the five bytes cp1252 leaves undefined: latin-1 maps every byte
        return "".join(bytes([b]).decode("cp1252", errors="strict") if b not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)
                       else bytes([b]).decode("latin-1") for b in data)


def decode_by_line(source) -> bytes:
    """``source`` (bytes or a path) as UTF-8 bytes, each line decoded as the module docstring says."""
    out = []
    for _first, chunk in _line_chunks(source):
        if chunk.isascii() or _is_utf8(chunk):
            out.append(chunk)
            continue
        lines = chunk.split(b"\n")
        for k, text in enumerate(lines):
            if not (text.isascii() or _is_utf8(text)):
                text = _decode_line(text).encode("utf-8")
            out.append(text + (b"\n" if k < len(lines) - 1 else b""))
    return b"".join(out)
