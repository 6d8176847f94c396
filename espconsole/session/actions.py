"""The session's operations: build, deploy, restart, SPIFFS files, partition table, port switch and the reaction to saved files (a mixin of Session; all node work runs on the job thread through the node client)."""

from __future__ import annotations

import dataclasses
from concurrent.futures import Future
from pathlib import Path

from espconsole.build.atomic import write_atomic
from espconsole.errors import EspConsoleError
from espconsole.session import events as ev
from espconsole.session.views import SYSTEM_PARAMETER_SIZE
from espconsole.watch import ChangeBatch, ChangeKind

MAPPED_FLASH_END = 0x100000     # LFS must lie in the first, memory-mapped MiB
SECTOR = 0x1000


class SessionActions:
    # -- public: each returns a Future and reports errors as notices ---------------------------

    def build(self) -> Future:
        return self._jobs.submit("build", self._build, "requested")

    def deploy(self) -> Future:
        return self._jobs.submit("deploy", self._deploy_requested)

    def restart(self) -> Future:
        return self._jobs.submit("restart", self._restart)

    def upload_file(self, path: Path, name: str | None = None) -> Future:
        return self._jobs.submit("upload", self._upload, Path(path), name)

    def list_files(self) -> Future:
        return self._jobs.submit("files", self._list_files)

    def download_file(self, name: str, dest: Path) -> Future:
        return self._jobs.submit("download", self._download, name, Path(dest))

    def remove_file(self, name: str) -> Future:
        return self._jobs.submit("remove", self._remove, name)

    def rename_file(self, old: str, new: str) -> Future:
        return self._jobs.submit("rename", self._rename, old, new)

    def set_partition_table(self, lfs_size: int, spiffs_size: int = 0) -> Future:
        """LFS size, SPIFFS size (0: the rest of the flash); the node reboots."""
        return self._jobs.submit("partition table", self._set_partitions, lfs_size, spiffs_size)

    def switch_port(self, port: str, baud: int | None = None) -> Future:
        return self._jobs.submit("switch port", self._switch_port, port, baud or self.baud)

    def set_auto_deploy(self, on: bool) -> bool:
        self.auto_deploy = bool(on)
        self._set_state()
        return self.auto_deploy

    # -- build and deploy -----------------------------------------------------------------------

    def _build(self, reason: str = ""):
        self._emit(ev.BuildStarted(reason))
        self._emit(ev.Progress("build", 0, 1))
        try:
            result = self.project.build()
        finally:
            self._emit(ev.Progress("build", 1, 1, finished=True))
        self._emit(ev.BuildFinished(self.project.status))
        self._publish_node_views()
        if not result.ok:
            first = self.project.status.problems[0] if self.project.status.problems else "failed"
            self._notice(f"build failed: {first}", "error")
        return result

    def _deploy_requested(self) -> None:
        if self.project.last is None or not self.project.last.ok:
            self._build("deploy")
        self._deploy()

    def _deploy(self) -> None:
        result = self.project.last
        if result is None or not result.ok:
            raise EspConsoleError("nothing to deploy: the last build failed")
        image = self.project.image_name
        keys = self.project.module_keys()
        task = f"deploy {image}"
        with self._operation():
            client = self._require_client()
            try:
                # uploads unless the node holds the same file, reloads, waits for the reboot
                # and checks that the node lists the image's modules and timestamp
                deployed = client.deploy_lfs(
                    result.data, lambda done, total: self._emit(ev.Progress(task, done, total)),
                    name=image)
            finally:
                self._emit(ev.Progress(task, 1, 1, finished=True))
            self.info = dataclasses.replace(self.info, lfs_time=deployed.timestamp,
                                            lfs_modules=list(deployed.modules))
            self.project.save_record(deployed.timestamp, keys)
        self._publish_node_views()
        self._emit(ev.Deployed(result.flash_size, tuple(sorted(keys))))
        self._schedule_heap_refresh()           # the reboot changed the heap

    def _on_changes(self, batch: ChangeBatch) -> None:
        """Watcher callback (watcher thread): queue the reaction to one burst of saves."""
        self._jobs.submit("save", self._react, batch)

    def _react(self, batch: ChangeBatch) -> None:
        if batch.of_kind(ChangeKind.CONFIG):
            self.project.reload_config()
        for name in batch.spiffs_uploads:
            self._upload(self.root / name, name)
        if batch.needs_build:
            result = self._build("save")
            if result.ok and self.auto_deploy and not self._node_is_current():
                self._deploy()

    def _sync_spiffs(self) -> None:
        """Upload the project's SPIFFS files the node lacks or holds with other contents."""
        from espconsole.watch import ProjectRules
        for name in ProjectRules(self.project.config).spiffs_files():
            self._upload(self.root / name, name, skip_if_same=True)

    # -- node operations ------------------------------------------------------------------------

    def _restart(self) -> None:
        with self._operation(ev.NodeState.BOOTING):
            self._require_client().reset()          # the boot text reaches the REPL meanwhile
            self._refresh_info()

    def _upload(self, path: Path, name: str | None = None, skip_if_same: bool = False) -> None:
        name = name or path.name
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise EspConsoleError(f"cannot read {path}: {exc.strerror}") from None
        task = f"upload {name}"
        with self._operation():
            try:
                result = self._require_client().upload(
                    data, name, lambda done, total: self._emit(ev.Progress(task, done, total)),
                    skip_if_same=skip_if_same)
            finally:
                self._emit(ev.Progress(task, 1, 1, finished=True))
        if not result.skipped:
            self._notice(f"uploaded {name} ({len(data)} bytes)")

    def _list_files(self) -> tuple[ev.FileEntry, ...]:
        with self._operation():
            listing = self._require_client().list_files()
        entries = tuple(ev.FileEntry(name, size) for name, size in listing.files.items())
        self._emit(ev.FilesChanged(entries, listing.used, listing.total))
        return entries

    def _download(self, name: str, dest: Path) -> Path:
        task = f"download {name}"
        with self._operation():
            try:
                data = self._require_client().download(
                    name, lambda done, total: self._emit(ev.Progress(task, done, total)))
            finally:
                self._emit(ev.Progress(task, 1, 1, finished=True))
        try:
            write_atomic(dest, data)
        except OSError as exc:
            raise EspConsoleError(f"cannot write {dest}: {exc.strerror}") from None
        return dest

    def _remove(self, name: str) -> None:
        with self._operation():
            self._require_client().remove(name)

    def _rename(self, old: str, new: str) -> None:
        with self._operation():
            self._require_client().rename(old, new)

    def _set_partitions(self, lfs_size: int, spiffs_size: int) -> None:
        current = self._partition_table()
        if current is None:
            raise EspConsoleError("the partition table is not known yet")
        table = plan_partitions(current, self._flash_size(), lfs_size, spiffs_size)
        with self._operation(ev.NodeState.BOOTING):
            # the node reboots into the table; its boot text reaches the REPL meanwhile
            self._require_client().set_partitions(**table)
            self._refresh_info()
        self._notice("partition table written; the node restarted")
        self._sync_spiffs()             # a moved SPIFFS comes back formatted
        if self.project.last is not None and self.project.last.ok and self.auto_deploy \
                and not self._node_is_current() and (self._partition_table() or {}).get("lfs_size"):
            self._deploy()

    def _switch_port(self, port: str, baud: int) -> None:
        self._disconnect()
        self.port, self.baud = port, baud
        self._connect()


def plan_partitions(current: dict[str, int], flash_size: int, lfs_size: int,
                    spiffs_size: int) -> dict[str, int]:
    """The four node.setpartitiontable values for new sizes, moving SPIFFS only when LFS grows into it."""
    for label, size in (("LFS size", lfs_size), ("SPIFFS size", spiffs_size)):
        if size < 0 or size % SECTOR:
            raise EspConsoleError(f"{label} must be a multiple of 4 KiB (got {size:#x})")
    old_fs_addr, old_fs_size = current.get("spiffs_addr", 0), current.get("spiffs_size", 0)
    lfs_addr = current.get("lfs_addr", 0) if current.get("lfs_size") else 0
    if not lfs_addr:
        lfs_addr = old_fs_addr if old_fs_size else 0
    if not lfs_addr:
        raise EspConsoleError("cannot tell where the firmware ends; set the table at the REPL")
    lfs_end = lfs_addr + lfs_size
    if lfs_end > MAPPED_FLASH_END:
        raise EspConsoleError(f"LFS must end below {MAPPED_FLASH_END:#x} (the mapped flash); "
                              f"{lfs_size:#x} at {lfs_addr:#x} ends at {lfs_end:#x}")
    top = flash_size - SYSTEM_PARAMETER_SIZE
    fs_addr = old_fs_addr if old_fs_size and old_fs_addr >= lfs_end else lfs_end
    fs_addr = (fs_addr + 0x1FFF) // 0x2000 * 0x2000
    fs_size = spiffs_size or top - fs_addr
    if fs_addr + fs_size > top:
        raise EspConsoleError(f"SPIFFS of {fs_size:#x} at {fs_addr:#x} does not fit in the flash")
    return {"lfs_addr": lfs_addr, "lfs_size": lfs_size, "spiffs_addr": fs_addr,
            "spiffs_size": fs_size}
