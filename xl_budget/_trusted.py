"""Pydantic models built from values that already have their fields' types, without validation.

The reader and the rules make tens of thousands of models per county from values they typed
themselves; validating them again (or pydantic's ``model_construct``, slower still) would cost
more than the reading and checking. Public construction (``Model(...)``) still validates.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)

# BaseModel's slots, set through their descriptors: frozen models refuse __setattr__, and
# object.__setattr__ would look each name up first.
_set_dict = BaseModel.__dict__["__dict__"].__set__
_set_fields_set = BaseModel.__dict__["__pydantic_fields_set__"].__set__
_set_extra = BaseModel.__dict__["__pydantic_extra__"].__set__
_set_private = BaseModel.__dict__["__pydantic_private__"].__set__


def without_validation(model: type[M], values: dict[str, Any], fields_set: set[str]) -> M:
    """The ``model`` instance whose ``__dict__`` is ``values`` (every field, in declaration
    order, as validation would order them) and whose ``model_fields_set`` is ``fields_set``."""
    instance = object.__new__(model)
    _set_dict(instance, values)
    _set_fields_set(instance, fields_set)
    _set_extra(instance, None)
    _set_private(instance, None)
    return instance
