"""Tests for the helper-free queries (NodeClient.query, lfs_state) and the lean LFS deploy that uses them."""

from __future__ import annotations

import pytest

from espconsole.node import RemoteError
from espconsole.node.lfs_deploy import deploy_lfs, lfs_state


def test_query_returns_tostring_of_the_value(client):
    assert client.query("6*7") == "42"
    assert client.query("nil") == "nil"
    with pytest.raises(RemoteError):
        client.query("error('boom')")


def test_query_needs_no_helper(client):
    client.reset()
    assert client.query("node.heap() > 0") == "true"
    assert client.helper_groups == ""                 # nothing was installed for it


def test_lfs_state_and_a_deploy_that_installs_only_what_it_uses(client, tmp_path):
    from espconsole.build import ProjectBuilder
    project = tmp_path / "p"
    (project / "lfs").mkdir(parents=True)
    (project / "lfs" / "hello.lua").write_text("return 'hi'\n")
    image = ProjectBuilder(project, timestamp=1234).build(write=False).data
    size, _, _ = lfs_state(client)
    assert size > 0
    result = deploy_lfs(client, image)
    assert result.reloaded and result.modules == ["hello"]
    assert lfs_state(client)[1:] == (1234, ["hello"])
    assert "i" not in (client.helper_groups or "")    # verified without the info probe
    again = deploy_lfs(client, image)
    assert not again.reloaded and not again.uploaded


def test_a_new_image_with_the_same_timestamp_is_still_deployed(client, tmp_path):
    """Two builds within one second share their timestamp; the second must still go live."""
    from espconsole.build import ProjectBuilder
    project = tmp_path / "p"
    (project / "lfs").mkdir(parents=True)
    images = []
    for text in ("first", "second"):
        (project / "lfs" / "hello.lua").write_text(f"return '{text}'\n")
        images.append(ProjectBuilder(project, timestamp=777).build(write=False).data)
    assert images[0] != images[1]
    deploy_lfs(client, images[0])
    result = deploy_lfs(client, images[1])
    assert result.uploaded and result.reloaded
    assert client.exec("print(node.LFS.get('hello')())").output == b"second\n"
