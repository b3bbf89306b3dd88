"""Records of a big JSON document, one at a time: memory holds one record, not the file.

The standard library parses whole documents only. This scanner reads a text stream in chunks
and hands each element of the top-level array (a bare list, or the `results` list of a Kobo
API v2 page `{"count": …, "next": …, "results": […]}`) to `json.JSONDecoder.raw_decode`.
An element cut by a chunk boundary is retried with more text (twice as much each time, so a
huge record costs linear, not quadratic, time). Where the text ends or breaks, the error names
the character offset and the record number.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import IO, Any

from pantau.errors import PantauError

CHUNK = 1 << 16
_WS = " \t\r\n"


class _Buffer:
    def __init__(self, stream: IO[str], source: str) -> None:
        self.stream, self.source = stream, source
        self.text = ""
        self.pos = 0
        self.offset = 0  # characters dropped before `text`
        self.eof = False

    def more(self, at_least: int = CHUNK) -> bool:
        if self.eof:
            return False
        if self.pos > CHUNK:
            self.offset += self.pos
            self.text, self.pos = self.text[self.pos:], 0
        chunk = self.stream.read(max(at_least, CHUNK))
        if not chunk:
            self.eof = True
            return False
        self.text += chunk
        return True

    def peek(self) -> str:
        """The next non-blank character ('' at the end), without consuming it."""
        while True:
            while self.pos < len(self.text) and self.text[self.pos] in _WS:
                self.pos += 1
            if self.pos < len(self.text):
                return self.text[self.pos]
            if not self.more():
                return ""

    def expect(self, char: str, what: str, record: int) -> None:
        if self.peek() != char:
            self.fail(f"expected {what}", record)
        self.pos += 1

    def value(self, decoder: json.JSONDecoder, record: int) -> Any:
        """Decode one JSON value at the current position, reading more text as needed."""
        self.peek()
        want = CHUNK
        while True:
            try:
                value, end = decoder.raw_decode(self.text, self.pos)
            except json.JSONDecodeError as exc:
                # Cut by the end of the buffer (or a string still open): read on; anything
                # else is broken JSON, reported without reading the rest of the file.
                cut = exc.pos >= len(self.text) - 1 or exc.msg.startswith("Unterminated")
                at = exc.pos - self.pos
                if cut and self.more(want):
                    want *= 2
                    continue
                why = "truncated JSON" if cut else f"broken JSON ({exc.msg})"
                self.fail(why, record, at)
            else:
                if end >= len(self.text) and not self.eof and self.more(want):
                    continue
                self.pos = end
                return value

    def fail(self, why: str, record: int, extra: int = 0) -> None:
        where = self.offset + self.pos + max(extra, 0)
        raise PantauError("unreadable_file", source=self.source,
                          message=f"{why} at character {where:,} (record {record:,}); "
                                  "nothing was imported")


def records(stream: IO[str], source: str) -> Iterator[tuple[int, Any]]:
    """(record number from 1, record) for each element of the document's record list."""
    buf = _Buffer(stream, source)
    decoder = json.JSONDecoder()
    first = buf.peek()
    if first == "[":
        yield from _array(buf, decoder)
    elif first == "{":
        buf.pos += 1
        found = False
        while True:
            if buf.peek() == "}":
                buf.pos += 1
                break
            key = buf.value(decoder, 0)
            if not isinstance(key, str):
                buf.fail("expected a key", 0)
            buf.expect(":", "':'", 0)
            if key == "results" and buf.peek() == "[":
                found = True
                yield from _array(buf, decoder)
            else:
                buf.value(decoder, 0)  # count, next, previous: small values
            if buf.peek() == ",":
                buf.pos += 1
            elif buf.peek() != "}":
                buf.fail("expected ',' or '}'", 0)
        if not found:
            raise PantauError("unreadable_file", source=source,
                              message="a JSON object without a 'results' list of records")
    else:
        raise PantauError("unreadable_file", source=source,
                          message="not a JSON list of records nor a KoboToolbox API page")
    if buf.peek() != "":
        buf.fail("unexpected text after the records", 0)


def _array(buf: _Buffer, decoder: json.JSONDecoder) -> Iterator[tuple[int, Any]]:
    buf.pos += 1  # '['
    n = 0
    if buf.peek() == "]":
        buf.pos += 1
        return
    while True:
        n += 1
        yield n, buf.value(decoder, n)
        nxt = buf.peek()
        if nxt == ",":
            buf.pos += 1
        elif nxt == "]":
            buf.pos += 1
            return
        else:
            buf.fail("broken or truncated JSON (expected ',' or ']')", n)
