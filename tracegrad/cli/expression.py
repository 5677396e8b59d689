"""Safe evaluation of arithmetic expressions over Values: an `ast` walk, never `eval`."""

import ast
import operator
from collections.abc import Callable

from autograd import Value, maximum


class ExpressionError(ValueError):
    """The expression is not one we evaluate; the message names what was wrong."""


BINARY_OPS: dict[type, Callable] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
}
UNARY_OPS: dict[type, Callable] = {ast.USub: operator.neg, ast.UAdd: lambda x: x}
FUNCTIONS: dict[str, tuple[Callable[..., Value], int]] = {  # name: (function, argument count)
    "exp": (Value.exp, 1),
    "log": (Value.log, 1),
    "tanh": (Value.tanh, 1),
    "sigmoid": (Value.sigmoid, 1),
    "relu": (Value.relu, 1),
    "leaky_relu": (Value.leaky_relu, 1),
    "abs": (Value.abs, 1),
    "max": (maximum, 2),
}


def evaluate(text: str, variables: dict[str, Value]) -> Value:
    """The Value of `text`, e.g. "(x + y) * z", built from `variables` and number literals.

    Allowed: numbers, variable names, + - * / **, unary - and +, and calls to FUNCTIONS.
    Raises ExpressionError for anything else; the ops raise their own errors (log of -1, ...).
    """
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as error:
        raise ExpressionError(f"invalid syntax ({error.msg}): {text!r}") from None
    result = _eval(tree.body, variables)
    return result if isinstance(result, Value) else Value(result)


def _eval(node: ast.AST, variables: dict[str, Value]) -> Value | float:
    """One step of the walk: every node type we accept, and an error naming any other."""
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return float(node.value)
    if isinstance(node, ast.Name):
        if node.id not in variables:
            raise ExpressionError(f"unknown name {node.id!r}; give it with --var {node.id}=NUMBER")
        return variables[node.id]
    if isinstance(node, ast.BinOp) and type(node.op) in BINARY_OPS:
        left, right = _eval(node.left, variables), _eval(node.right, variables)
        return BINARY_OPS[type(node.op)](_as_value(left), right)
    if isinstance(node, ast.UnaryOp) and type(node.op) in UNARY_OPS:
        return UNARY_OPS[type(node.op)](_eval(node.operand, variables))
    if isinstance(node, ast.Call):
        return _call(node, variables)
    raise ExpressionError(f"unsupported {_describe(node)}")


def _call(node: ast.Call, variables: dict[str, Value]) -> Value:
    """A call to one of FUNCTIONS with positional arguments."""
    name = node.func.id if isinstance(node.func, ast.Name) else None
    if name not in FUNCTIONS:
        raise ExpressionError(
            f"unknown function {ast.unparse(node.func)!r}; known: {', '.join(sorted(FUNCTIONS))}"
        )
    if node.keywords:
        raise ExpressionError(f"{name}() takes no keyword arguments")
    function, arity = FUNCTIONS[name]
    if len(node.args) != arity:
        raise ExpressionError(f"{name}() takes {arity} argument(s), got {len(node.args)}")
    args = [_as_value(_eval(arg, variables)) for arg in node.args]
    return function(*args)


def _as_value(x: Value | float) -> Value:
    return x if isinstance(x, Value) else Value(x)


def _describe(node: ast.AST) -> str:
    """What the user wrote, in words: 'operator //', 'syntax: attribute access (os.system)'."""
    if isinstance(node, (ast.BinOp, ast.UnaryOp)):
        return f"operator {type(node.op).__name__}"
    if isinstance(node, ast.Constant):
        return f"literal {node.value!r} (only numbers are allowed)"
    return f"syntax: {type(node).__name__} ({ast.unparse(node)})"
