"""Errors of the model registry."""


class ModelNotFoundError(LookupError):
    """A model that was asked for does not exist: an unknown run, registered name, version,
    alias or experiment. The message names what was asked for and what exists."""
