"""The XLSForm expression evaluator: grammar, JavaRosa's typed comparisons, functions, errors.

Pure functions (no store): the same evaluator runs inside every check tested on both stores.
"""

from __future__ import annotations

import datetime as dt

import pytest

from pantau.quality.expr import Env, ExpressionError, FieldRef, compile_rule, to_bool, typed

FIELDS = {
    "hh": FieldRef("population/hh", "integer", None),
    "ind": FieldRef("population/ind", "integer", None),
    "share": FieldRef("share", "decimal", None),
    "day": FieldRef("day", "date", None),
    "needs": FieldRef("needs", "select_multiple", None),
    "name": FieldRef("name", "text", None),
    "empty": FieldRef("empty", "integer", None),
    "groups": FieldRef("groups", "repeat", None),
    "g_hh": FieldRef("groups/g_hh", "integer", "groups"),
}
DATA = {"population/hh": "12", "population/ind": "50", "share": "0.25", "day": "2018-10-05",
        "needs": "food wash", "name": "Posko 3",
        "groups": [{"groups/g_hh": "3"}, {"groups/g_hh": "4"}]}


def run(text: str, here: object = "", data: dict | None = None, **items: dict) -> object:
    return compile_rule(text, FIELDS.get)(Env(DATA if data is None else data, items,
                                              here))  # type: ignore[arg-type]


@pytest.mark.parametrize(("text", "expected"), [
    ("1 + 2 * 3", 7.0), ("(1 + 2) * 3", 9.0), ("7 div 2", 3.5), ("7 mod 3", 1.0),
    ("-${hh} + 2", -10.0), ("${ind} div ${hh} > 4", True), ("${hh} - 2 - 3", 7.0),
    ("1 div 0 > 10000", True), ("${hh} >= 12 and ${ind} <= 50", True),
    ("${hh} > 20 or ${ind} = 50", True), ("not(${hh} = 12)", False),
    ("${share} * 4 = 1", True), ("'abc' = 'abc'", True), ("'abc' != 'abd'", True),
])
def test_arithmetic_and_logic(text, expected):
    assert run(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    # empty answers: '' compares as text with text, as NaN with numbers (false, except !=)
    ("${empty} = ''", True), ("${empty} = 0", False), ("${empty} != 0", True),
    ("${empty} < 1", False), ("${empty} >= 0", False), ("coalesce(${empty}, 0) >= 0", True),
    ("${hh} = '12'", True), ("${hh} = '12.0'", True), ("${name} = 'Posko 3'", True),
    ("'10' < '9'", False),  # relational operators compare numbers, not text
    # dates are days since 1970-01-01; date-like text counts as that date
    ("${day} <= today()", True), ("${day} > '2018-10-01'", True),
    ("${day} = date('2018-10-05')", True), ("${day} - date('2018-10-01') = 4", True),
    ("decimal-date-time(${day}) = 17809", True), ("date(17809) = ${day}", True),
    ("${day} + 1 > ${day}", True),
])
def test_typed_comparisons_as_javarosa(text, expected):
    assert run(text) is expected


@pytest.mark.parametrize(("text", "expected"), [
    ("selected(${needs}, 'wash')", True), ("selected(${needs}, 'health')", False),
    ("count-selected(${needs})", 2.0), ("selected-at(${needs}, 1)", "wash"),
    ("regex(${name}, '^Posko [0-9]+$')", True), ("regex('ID72 01', '^[A-Z0-9]+$')", False),
    ("if(${hh} > 10, 'big', 'small')", "big"), ("string-length(${name})", 7.0),
    ("number('3.5') + 1", 4.5), ("number('x') = number('x')", False), ("int(-3.7)", -3.0),
    ("int('12.9')", 12.0), ("round(2.5)", 3.0), ("round(3.14159, 2)", 3.14),
    ("coalesce(${empty}, ${hh})", 12.0), ("concat('a', 1, 'b')", "a1b"),
    ("contains(${name}, ' ')", True), ("starts-with(${name}, 'Pos')", True),
    ("ends-with(${name}, '3')", True), ("substr('ID7271', 0, 4)", "ID72"),
    ("string(${hh})", "12"), ("boolean('')", False), ("true() and not(false())", True),
    ("count(${groups})", 2.0), ("sum(${g_hh})", 7.0), ("max(${g_hh})", 4.0),
])
def test_functions(text, expected):
    assert run(text) == expected


def test_today_is_a_date():
    assert run("today()") == dt.datetime.now(dt.UTC).date()


def test_dot_is_the_fields_own_typed_value():
    assert run(". >= 0 and . <= 10", here=typed("7", "integer")) is True
    assert run(". >= 0", here="") is False  # unanswered: NaN
    assert run("count-selected(.) <= 3", here="a b c d") is False


def test_repeat_reference_reads_the_same_item_inside_and_all_items_outside():
    item = DATA["groups"][1]
    assert run("${g_hh} = 4", groups=item) is True
    assert run("${g_hh}") == [3.0, 4.0]


def test_word_operators_are_names_where_a_value_stands():
    refs = {"div": FieldRef("div", "integer", None), "mod": FieldRef("mod", "integer", None)}
    rule = compile_rule("${div} div 2 + ${mod} mod 2", refs.get)
    assert rule(Env({"div": "8", "mod": "3"})) == 5.0
    assert to_bool(compile_rule("1 and 0 or 1", {}.get)(Env({})))


@pytest.mark.parametrize(("text", "message", "position"), [
    ("${hh} >", "expected a value, found the end of the rule", 8),
    ("${hh} > > 2", "expected a value, found '>'", 9),
    ("(${hh} + 1", "expected ')', found the end of the rule", 11),
    ("${hh} + 1)", "unexpected ')'", 10),
    ("'open", "a text in quotes is not closed", 1),
    ("${missing} > 0", "no field named 'missing' in the form", 1),
    ("${hh > 0", "a field reference must read ${name}", 1),
    ("foo(1)", "unknown function foo()", 1),
    ("jr:choice-name(${hh}, '${hh}')", "jr:choice-name() is not supported", 1),
    ("selected(${needs})", "selected() takes 2 argument(s), got 1", 1),
    ("if(1, 2)", "if() takes 3 arguments", 1),
    ("regex(${name}, '[a-')", "regex() pattern does not compile", 1),
    ("../hh > 0", "relative paths ('..') are not supported", 1),
    ("/data/hh > 0", "paths ('/…') are not supported", 1),
    ("${hh} | ${ind}", "the union operator '|' is not supported", 7),
    ("hh > 0", "'hh' is not a function call or a value", 1),
    ("${hh} ^ 2", "unexpected character '^'", 7),
    ("   ", "the rule is empty", 1),
    ("1.2.3", "'1.2.3' is not a number", 1),
])
def test_errors_say_what_and_where(text, message, position):
    with pytest.raises(ExpressionError) as exc:
        compile_rule(text, FIELDS.get)
    assert message in exc.value.message
    assert exc.value.position == position
