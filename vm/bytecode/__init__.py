"""Lua 5.1 bytecode: opcodes, the Proto record, dump/undump in stock and NodeMCU formats, and listings."""
