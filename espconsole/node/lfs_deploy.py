"""LFS deploy (serial-protocol.md §6.9): upload the image unless the node holds it, node.LFS.reload, wait for the reboot, verify module list and timestamp."""

from __future__ import annotations

import time
from dataclasses import dataclass

from espconsole.node.errors import NodeError
from espconsole.node.partitions import run_until_reboot
from espconsole.node import snippets
from espconsole.node.upload import upload_bytes

IMAGE_NAME = "lfs.img"
REBOOT_TIMEOUT = 20.0


@dataclass
class DeployResult:
    modules: list[str]
    timestamp: int | None
    uploaded: bool            # False: the node already held the same image file
    reloaded: bool            # False: the node already ran this image
    seconds: float = 0.0


def image_contents(image: bytes) -> tuple[list[str], int | None]:
    """(sorted module names, timestamp) of an LFS image file, as node.LFS will report them."""
    import vm.lfs
    decoded = vm.lfs.read_image(image)
    names = sorted(m.name.decode("utf-8", "replace") for m in decoded.modules)
    stamp = decoded.timestamp
    return names, None if stamp is None else int(stamp)


def lfs_state(client) -> tuple[int, int | None, list[str]]:
    """(LFS partition size, image timestamp or None, sorted module names) in one round trip
    that needs no helper (after a reload the node has just rebooted without it)."""
    with client.operation("reading the LFS state"):
        tag, data, _ = client.command(snippets.lfs_state, groups="")
    size, _, rest = data.decode("utf-8", "replace").partition(" ")
    stamp, _, names = rest.partition(" ")
    try:
        return (int(float(size)), int(float(stamp)) if stamp else None,
                sorted(n for n in names.split(",") if n))
    except ValueError:
        raise NodeError(f"unexpected LFS state from the node: {data[:60]!r}") from None


def deploy_lfs(client, image: bytes, progress=None, *, name: str = IMAGE_NAME, force: bool = False,
               timeout: float = REBOOT_TIMEOUT) -> DeployResult:
    """Make the node run `image` from its LFS; returns what the node reports afterwards."""
    started = time.monotonic()
    modules, stamp = image_contents(image)
    with client.operation("deploying LFS"):
        lfs_size, before_stamp, before_modules = lfs_state(client)
        if lfs_size == 0:
            raise NodeError("the node has no LFS partition (set one with `espconsole node "
                            "partitions --lfs-size N`)")
        uploaded = upload_bytes(client, image, name, progress, skip_if_same=not force)
        if not force and uploaded.skipped and before_stamp == stamp and before_modules == modules:
            # The node holds this image and runs one with its timestamp and modules.  (The
            # timestamp alone does not tell: two builds within a second share it.)
            return DeployResult(modules, stamp, False, False, time.monotonic() - started)
        run_until_reboot(client, snippets.lfs_reload(name), timeout)
        _, after_stamp, after_modules = lfs_state(client)
    if after_modules != modules or after_stamp != stamp:
        raise NodeError(f"after the reload the node reports LFS modules "
                        f"{', '.join(after_modules) or 'none'} (timestamp {after_stamp}), "
                        f"not the image's {', '.join(modules)} (timestamp {stamp})")
    return DeployResult(modules, stamp, not uploaded.skipped, True, time.monotonic() - started)
