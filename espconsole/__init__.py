"""espconsole: a terminal developer console for NodeMCU, with its own Lua 5.1 toolchain and emulated node."""

__version__ = "0.1.0"
