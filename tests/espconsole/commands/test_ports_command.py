"""`espconsole ports`: serial port listing (pyserial's enumeration replaced by fixed port records)."""

from types import SimpleNamespace

from serial.tools import list_ports

from espconsole import cli
from espconsole.commands import ports


def fake_ports(*records):
    return lambda: [SimpleNamespace(device=d, description=desc, hwid=h) for d, desc, h in records]


def test_lists_ports_sorted_and_aligned(monkeypatch, capsys):
    monkeypatch.setattr(list_ports, "comports", fake_ports(
        ("/dev/ttyUSB1", "USB2.0-Serial", "USB VID:PID=1A86:7523 LOCATION=1-2"),
        ("/dev/ttyUSB0", "CP2102 USB to UART Bridge Controller",
         "USB VID:PID=10C4:EA60 SER=0001 LOCATION=1-1"),
        ("/dev/ttyS0", "n/a", "n/a"),
    ))
    assert ports.run([]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        "/dev/ttyS0",
        "/dev/ttyUSB0  CP2102 USB to UART Bridge Controller  USB VID:PID=10C4:EA60 SER=0001 LOCATION=1-1",
        "/dev/ttyUSB1  USB2.0-Serial                         USB VID:PID=1A86:7523 LOCATION=1-2",
    ]


def test_no_ports(monkeypatch, capsys):
    monkeypatch.setattr(list_ports, "comports", fake_ports())
    assert ports.run([]) == 0
    assert capsys.readouterr().out == \
        "no serial ports found (the emulated node is always available as --port emu)\n"


def test_registered_in_cli(monkeypatch, capsys):
    monkeypatch.setattr(list_ports, "comports", fake_ports(("COM3", "Silicon Labs CP210x", "USB")))
    assert cli.main(["ports"]) == 0
    assert capsys.readouterr().out == "COM3  Silicon Labs CP210x  USB\n"
    assert "ports" in cli.usage_text()


def test_help_and_bad_arguments(capsys):
    assert ports.run(["--help"]) == 0
    assert "List serial ports" in capsys.readouterr().out
    assert ports.run(["--bogus"]) == 2


def test_real_enumeration_does_not_fail(capsys):
    assert ports.run([]) == 0
    assert capsys.readouterr().out.endswith("\n")
