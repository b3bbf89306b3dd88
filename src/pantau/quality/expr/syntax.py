"""Tokens and syntax tree of XLSForm expressions (the XPath 1.0 subset ODK forms use).

A hand-written tokenizer and recursive-descent parser: XPath's grammar is small, and only a
real parser can say *where* a rule is wrong (the character position in every error) and keep
`div`, `mod`, `and`, `or` apart from field names as the XPath spec does (a name is an operator
only where an operator can stand). Paths other than `.` and `${name}` (`/data/x`, `../x`) and
the union `|` are refused with a message, not silently misread.
"""

from __future__ import annotations

from dataclasses import dataclass

_OPERATORS = ("!=", "<=", ">=", "=", "<", ">", "+", "-", "*", "(", ")", ",")
_WORD_OPS = frozenset({"and", "or", "div", "mod"})
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.:")


class ExpressionError(ValueError):
    """A rule that cannot be read; `position` is the 1-based character where it goes wrong."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(f"{message} (at character {position})")
        self.message = message
        self.position = position


@dataclass(frozen=True)
class Token:
    kind: str  # number | string | ref | here | name | op | end
    text: str
    pos: int  # 1-based


# --- syntax tree --------------------------------------------------------------------------

@dataclass(frozen=True)
class Literal:
    value: str | float


@dataclass(frozen=True)
class Here:
    """`.`: the value of the field the rule belongs to."""


@dataclass(frozen=True)
class Ref:
    name: str
    pos: int


@dataclass(frozen=True)
class Unary:
    operand: Node


@dataclass(frozen=True)
class Binary:
    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Node, ...]
    pos: int


Node = Literal | Here | Ref | Unary | Binary | Call


# --- tokenizer ----------------------------------------------------------------------------

def tokenize(text: str) -> list[Token]:
    out: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
            continue
        start = i + 1
        if c in "'\"":
            end = text.find(c, i + 1)
            if end < 0:
                raise ExpressionError("a text in quotes is not closed", start)
            out.append(Token("string", text[i + 1:end], start))
            i = end + 1
        elif c == "$":
            if not text.startswith("${", i):
                raise ExpressionError("'$' must start a field reference ${name}", start)
            end = text.find("}", i)
            name = text[i + 2:end].strip() if end >= 0 else ""
            if end < 0 or not name or not all(ch in _NAME_CHARS for ch in name):
                raise ExpressionError("a field reference must read ${name}", start)
            out.append(Token("ref", name, start))
            i = end + 1
        elif c.isdigit() or (c == "." and i + 1 < n and text[i + 1].isdigit()):
            j = i
            while j < n and (text[j].isdigit() or text[j] == "."):
                j += 1
            number = text[i:j]
            if number.count(".") > 1:
                raise ExpressionError(f"'{number}' is not a number", start)
            out.append(Token("number", number, start))
            i = j
        elif c == ".":
            if text.startswith("..", i):
                raise ExpressionError("relative paths ('..') are not supported; use ${name}",
                                      start)
            out.append(Token("here", ".", start))
            i += 1
        elif c == "/":
            raise ExpressionError("paths ('/…') are not supported; use ${name}", start)
        elif c == "|":
            raise ExpressionError("the union operator '|' is not supported", start)
        elif c.isalpha() or c == "_":
            j = i
            while j < n and text[j] in _NAME_CHARS:
                j += 1
            word = text[i:j]
            kind = "op" if word in _WORD_OPS and _operator_expected(out) else "name"
            out.append(Token(kind, word, start))
            i = j
        else:
            op = next((o for o in _OPERATORS if text.startswith(o, i)), None)
            if op is None:
                raise ExpressionError(f"unexpected character '{c}'", start)
            out.append(Token("op", op, start))
            i += len(op)
    out.append(Token("end", "", n + 1))
    return out


def _operator_expected(before: list[Token]) -> bool:
    """XPath's rule: after an operand, a name like `div` is the operator."""
    if not before:
        return False
    last = before[-1]
    return last.kind in ("number", "string", "ref", "here", "name") or last.text == ")"


# --- parser -------------------------------------------------------------------------------

_LEVELS: tuple[tuple[str, ...], ...] = (
    ("or",), ("and",), ("=", "!="), ("<", "<=", ">", ">="), ("+", "-"), ("*", "div", "mod"))


def parse(text: str) -> Node:
    """The syntax tree of `text`, or ExpressionError saying what and where."""
    if not text.strip():
        raise ExpressionError("the rule is empty", 1)
    p = _Parser(tokenize(text))
    node = p.binary(0)
    tok = p.peek()
    if tok.kind != "end":
        raise ExpressionError(f"unexpected '{tok.text}'", tok.pos)
    return node


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.i = 0

    def peek(self) -> Token:
        return self.tokens[self.i]

    def take(self) -> Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def expect(self, text: str) -> Token:
        tok = self.take()
        if tok.kind != "op" or tok.text != text:
            found = "the end of the rule" if tok.kind == "end" else f"'{tok.text}'"
            raise ExpressionError(f"expected '{text}', found {found}", tok.pos)
        return tok

    def binary(self, level: int) -> Node:
        if level == len(_LEVELS):
            return self.unary()
        left = self.binary(level + 1)
        while (tok := self.peek()).kind == "op" and tok.text in _LEVELS[level]:
            self.take()
            left = Binary(tok.text, left, self.binary(level + 1))
        return left

    def unary(self) -> Node:
        tok = self.peek()
        if tok.kind == "op" and tok.text == "-":
            self.take()
            return Unary(self.unary())
        return self.primary()

    def primary(self) -> Node:
        tok = self.take()
        if tok.kind == "number":
            return Literal(float(tok.text))
        if tok.kind == "string":
            return Literal(tok.text)
        if tok.kind == "ref":
            return Ref(tok.text, tok.pos)
        if tok.kind == "here":
            return Here()
        if tok.kind == "op" and tok.text == "(":
            node = self.binary(0)
            self.expect(")")
            return node
        if tok.kind == "name":
            nxt = self.peek()
            if nxt.kind != "op" or nxt.text != "(":
                raise ExpressionError(f"'{tok.text}' is not a function call or a value; "
                                      "fields are written ${name}", tok.pos)
            self.take()
            args: list[Node] = []
            if not (self.peek().kind == "op" and self.peek().text == ")"):
                args.append(self.binary(0))
                while self.peek().kind == "op" and self.peek().text == ",":
                    self.take()
                    args.append(self.binary(0))
            self.expect(")")
            return Call(tok.text, tuple(args), tok.pos)
        found = "the end of the rule" if tok.kind == "end" else f"'{tok.text}'"
        raise ExpressionError(f"expected a value, found {found}", tok.pos)
