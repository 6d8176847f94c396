"""The Textual console: the main screen with REPL, partition table and LFS module panes, wired to a `Session`."""
