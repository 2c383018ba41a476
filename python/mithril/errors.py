"""The one exception the package raises for a user's mistake."""


class MithrilError(ValueError):
    """A model that cannot be composed, compiled or run, with what and where."""
