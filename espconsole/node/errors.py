"""The node protocol's errors: one family under `EspConsoleError`, each message one complete line for the user."""

from __future__ import annotations

from espconsole.errors import EspConsoleError


class NodeError(EspConsoleError):
    """The node did not do what was asked; the message says what and why."""


class NodeTimeout(NodeError):
    """The node did not answer in time (busy, rebooting, or not a NodeMCU REPL)."""


class SyncError(NodeTimeout):
    """No NodeMCU REPL answered the synchronisation probe."""


class NodeRebooted(NodeError):
    """The node rebooted while an operation was running."""


class TransferError(NodeError):
    """An upload or download failed; the file on the node is unchanged (or absent)."""


class RemoteError(NodeError):
    """Lua code run on the node raised an error; `.output` holds what it printed first."""

    def __init__(self, message: str, output: bytes = b""):
        super().__init__(message)
        self.output = output


class Cancelled(NodeError):
    """The operation was cancelled by the program (NodeClient.cancel)."""
