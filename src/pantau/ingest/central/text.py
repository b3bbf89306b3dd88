"""Open a CSV (a file or a zip member) as a stream of rows, whatever its encoding.

The whole file is never held in memory: the encoding is found by one pass of incremental
decoders over the bytes, then the rows are read with a second pass.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO

from pantau.errors import PantauError

Opener = Callable[[], IO[bytes]]
CHUNK = 1 << 20


def encoding_of(open_binary: Opener, source: str) -> str:
    """UTF-8 (with or without BOM) or UTF-16 when the bytes say so; else Windows-1252, the
    Excel default, and Latin-1 for anything Windows-1252 cannot decode."""
    with open_binary() as f:
        head = f.read(4)
        if head.startswith((b"\xff\xfe", b"\xfe\xff")):
            return "utf-16"
        utf8 = codecs.getincrementaldecoder("utf-8")()
        cp1252 = codecs.getincrementaldecoder("cp1252")()
        ok_utf8 = ok_cp1252 = True
        chunk = head
        while chunk:
            if b"\x00" in chunk:
                raise PantauError("unreadable_file", source=source,
                                  message="the file holds binary data, not text")
            ok_utf8 = ok_utf8 and _decodes(utf8, chunk)
            ok_cp1252 = ok_cp1252 and _decodes(cp1252, chunk)
            chunk = f.read(CHUNK)
        if ok_utf8 and _decodes(utf8, b"", final=True):
            return "utf-8-sig"
        return "cp1252" if ok_cp1252 else "latin-1"


def _decodes(decoder: codecs.IncrementalDecoder, chunk: bytes, final: bool = False) -> bool:
    try:
        decoder.decode(chunk, final)
        return True
    except UnicodeDecodeError:
        return False


@contextmanager
def csv_rows(open_binary: Opener, source: str) -> Iterator[Iterator[list[str]]]:
    """Rows of a CSV as lists of strings; the separator (`,`, `;` or tab) is read off the
    header line, since a file re-saved by Excel may use `;`."""
    encoding = encoding_of(open_binary, source)
    with open_binary() as raw:
        text = io.TextIOWrapper(raw, encoding=encoding, newline="")
        first = text.readline()
        delimiter = max((",", ";", "\t"), key=first.count) if first else ","
        lines = _chain(first, text)
        try:
            yield csv.reader(lines, delimiter=delimiter)
        except csv.Error as exc:
            raise PantauError("unreadable_file", source=source,
                              message=f"not a readable CSV ({exc})") from exc


def _chain(first: str, rest: IO[str]) -> Iterator[str]:
    if first:
        yield first
    yield from rest


def csv_line(cells: list[str]) -> str:
    """One row written back as CSV text, for the raw copy of a record."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(cells)
    return out.getvalue()
