"""LFS deploy (serial-protocol.md §6.9): upload the image unless the node holds it, node.LFS.reload, wait for the reboot, verify module list and timestamp."""

from __future__ import annotations

import time
from dataclasses import dataclass

from espconsole.node.errors import NodeError
from espconsole.node.info import read_info
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


def deploy_lfs(client, image: bytes, progress=None, *, name: str = IMAGE_NAME, force: bool = False,
               timeout: float = REBOOT_TIMEOUT) -> DeployResult:
    """Make the node run `image` from its LFS; returns what the node reports afterwards."""
    started = time.monotonic()
    modules, stamp = image_contents(image)
    with client.operation("deploying LFS"):
        before = read_info(client)
        if before.lfs_size == 0:
            raise NodeError("the node has no LFS partition (set one with `espconsole node "
                            "partitions --lfs-size N`)")
        if not force and before.lfs_time == stamp and sorted(before.lfs_modules or []) == modules:
            if progress is not None:
                progress(len(image), len(image))
            return DeployResult(modules, stamp, False, False, time.monotonic() - started)
        uploaded = upload_bytes(client, image, name, progress, skip_if_same=not force)
        run_until_reboot(client, snippets.lfs_reload(name), timeout)
        after = read_info(client)
    if sorted(after.lfs_modules or []) != modules or after.lfs_time != stamp:
        raise NodeError(f"after the reload the node reports LFS modules "
                        f"{', '.join(after.lfs_modules or []) or 'none'} (timestamp {after.lfs_time}), "
                        f"not the image's {', '.join(modules)} (timestamp {stamp})")
    return DeployResult(modules, stamp, not uploaded.skipped, True, time.monotonic() - started)
