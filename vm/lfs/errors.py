"""The one exception the LFS image code raises: a rejected or unbuildable image, in one line (counterpart of the error paths of app/lua/lflash.c and lflashimg.c)."""

from __future__ import annotations


class LfsImageError(ValueError):
    """An LFS image that cannot be built or would be refused by the firmware.

    `message` names the problem for a person. `device_message` is the string the firmware's
    `node.LFS.reload` would return for the same file (None when the firmware has no such
    check, e.g. for a problem only a host-side validation notices).
    """

    def __init__(self, message: str, device_message: str | None = None):
        super().__init__(message)
        self.message = message
        self.device_message = device_message

    def __str__(self) -> str:
        return self.message


class LfsBuildError(LfsImageError):
    """The builder cannot produce an image; the message is luac.cross's text for the same failure."""
