"""Errors that the CLI reports as one clear line (exit code 2)."""


class LedgerbridgeError(Exception):
    """A failure the user can act on; its message is shown without a traceback."""


class SourceError(LedgerbridgeError):
    """A source system could not be read (server down, bad token, unreadable file)."""

    def __init__(self, source: str, message: str) -> None:
        super().__init__(f"{source}: {message}")
        self.source = source
