"""`espconsole ports`: list the serial ports this machine has, with their descriptions and hardware ids."""

from __future__ import annotations

import argparse
import sys


def _parser() -> argparse.ArgumentParser:
    return argparse.ArgumentParser(
        prog="espconsole ports",
        description="List serial ports (device, description, hardware id). "
                    "Any of the devices can be given as --port; so can COMn, socket://HOST:PORT, "
                    "rfc2217://HOST:PORT and emu (the built-in emulated node).")


def list_ports() -> list[tuple[str, str, str]]:
    """(device, description, hwid) of every serial port pyserial finds, sorted by device."""
    from serial.tools import list_ports as pyserial_ports

    found = []
    for port in pyserial_ports.comports():
        description = port.description if port.description not in (None, "", "n/a") else ""
        hwid = port.hwid if port.hwid not in (None, "", "n/a") else ""
        found.append((port.device, description, hwid))
    return sorted(found)


def format_ports(ports: list[tuple[str, str, str]]) -> str:
    """One line per port, columns aligned; a plain sentence when there are none."""
    if not ports:
        return "no serial ports found (the emulated node is always available as --port emu)\n"
    device_width = max(len(device) for device, _, _ in ports)
    description_width = max(len(description) for _, description, _ in ports)
    lines = []
    for device, description, hwid in ports:
        line = f"{device.ljust(device_width)}  {description.ljust(description_width)}  {hwid}"
        lines.append(line.rstrip())
    return "\n".join(lines) + "\n"


def run(argv: list[str]) -> int:
    try:
        _parser().parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    sys.stdout.write(format_ports(list_ports()))
    return 0
