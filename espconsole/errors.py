"""The one exception family of the host tool: its message is shown to the user as it is (design.md §5)."""


class EspConsoleError(Exception):
    """A failure the user can act on; str(error) is the complete message."""
