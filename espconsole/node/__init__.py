"""The REPL protocol over any link: sync, exec, framed upload/download, files, info, partition table, LFS deploy (design.md §3–4).

`NodeClient(link)` is the entry point; see client.py for its threading and event contract.
All Lua sent to the node lives in snippets.py.
"""

from espconsole.node.client import NodeClient, NodeState
from espconsole.node.errors import (Cancelled, NodeError, NodeRebooted, NodeTimeout, RemoteError,
                                    SyncError, TransferError)
from espconsole.node.files import ExecResult, Listing
from espconsole.node.info import NodeInfo, PartitionTable
from espconsole.node.lfs_deploy import DeployResult
from espconsole.node.upload import UploadResult

__all__ = ["Cancelled", "DeployResult", "ExecResult", "Listing", "NodeClient", "NodeError",
           "NodeInfo", "NodeRebooted", "NodeState", "NodeTimeout", "PartitionTable",
           "RemoteError", "SyncError", "TransferError", "UploadResult"]
