"""Sub-commands of the `espconsole` command line; each module offers `run(argv) -> int`."""
