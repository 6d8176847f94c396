"""Fixtures for the node protocol tests: an emulated board behind an in-process link or a pty."""

from __future__ import annotations

import pytest

from espconsole.link import LoopbackLink
from espconsole.node import NodeClient
from vm.nodemcu.board import Board


@pytest.fixture
def board():
    board = Board(None)
    board.warm_up()
    board.start()
    board.wait_ready(30.0)
    board.read()
    yield board
    board.close()


@pytest.fixture
def client(board):
    link = LoopbackLink(board, description="emulated")
    link.open()
    client = NodeClient(link)
    client.open()
    yield client
    client.close()
