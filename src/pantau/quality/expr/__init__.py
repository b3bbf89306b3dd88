"""XLSForm expressions (relevant, constraint, required, user rules) evaluated on the server.

    rule = compile_rule("${idp_ind} >= ${idp_hh}", resolver)
    to_bool(rule(Env(data)))
"""

from pantau.quality.expr.compile import Compiled, Env, FieldRef, Resolver, compile_rule
from pantau.quality.expr.syntax import ExpressionError, parse
from pantau.quality.expr.values import to_bool, to_number, to_string, typed

__all__ = ["Compiled", "Env", "ExpressionError", "FieldRef", "Resolver", "compile_rule",
           "parse", "to_bool", "to_number", "to_string", "typed"]
