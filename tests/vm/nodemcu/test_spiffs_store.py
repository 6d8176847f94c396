"""SPIFFS host store: name encoding and the folder layout."""

from vm.nodemcu.spiffs_store import FolderStore, MemoryStore, decode_host_name, encode_host_name


def test_host_name_encoding_round_trip():
    for name in (b"", b"init.lua", b".hidden", b"Lib/X.lua", b"a%b", b"\xff\x01", b"..", b"CON"):
        host = encode_host_name(name)
        assert "/" not in host and not host.startswith(".")
        assert decode_host_name(host) == name
    assert encode_host_name(b"A") == "%41" and encode_host_name(b"a") == "a"   # case-blind disks
    assert decode_host_name("%4a") is None                             # only canonical spellings
    assert decode_host_name("%zz") is None


def test_folder_layout(tmp_path):
    store = FolderStore(tmp_path, durable=False)
    assert store.read_volume() is None
    store.new_volume({"phys_addr": 0xB6000, "phys_size": 0x346000})
    store.store(b"Init.lua", b"x")
    store.rename(b"Init.lua", b"lib/a.lua")
    assert (tmp_path / "files" / "lib%2Fa.lua").read_bytes() == b"x"
    (tmp_path / "files" / ".tmp-1-junk").write_bytes(b"")
    assert store.load() == {b"lib/a.lua": b"x"}
    assert not (tmp_path / "files" / ".tmp-1-junk").exists()
    assert store.read_volume() == {"phys_addr": 0xB6000, "phys_size": 0x346000}
    store.new_volume({"phys_addr": 0x100000, "phys_size": 0x100000})
    assert store.load() == {}
    store.delete(b"missing")


def test_memory_store():
    store = MemoryStore()
    store.new_volume({"phys_addr": 1, "phys_size": 2})
    store.store(b"a", b"1")
    store.rename(b"a", b"b")
    assert store.load() == {b"b": b"1"} and store.read_volume() == {"phys_addr": 1, "phys_size": 2}
