"""Pipeline parameters of type ``dict`` and ``list`` arrive as protobuf ``Struct`` values,
whose numbers are all doubles: ``{"n_epochs": 2}`` can reach a step as
``{"n_epochs": 2.0}``, which an integer setting rightly refuses. :func:`restore_ints` undoes
that at the component boundary."""

from typing import Any


def restore_ints(value: Any) -> Any:
    """``value`` with every float that holds a whole number made an ``int``, in nested dicts
    and lists too.

    A setting meant as the float ``1.0`` becomes ``1``, which numeric settings take as well.

    Args:
        value: A JSON-like value.

    Returns:
        The same structure, copied.
    """
    if isinstance(value, dict):
        return {key: restore_ints(item) for key, item in value.items()}
    if isinstance(value, list):
        return [restore_ints(item) for item in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
