"""Benchmark of the LFS build: cold command-line build, in-process incremental rebuild after a one-file edit, and image assembly alone, on a generated 5,000-line, 20-module project.

Run: python bench/lfs_build.py [--modules 20] [--lines 5000] [--repeat 5]
Prints each figure (median of the runs) next to its target and the ratio figure/target.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import vm.lfs  # noqa: E402
from espconsole.build import ProjectBuilder  # noqa: E402

TIMESTAMP = 1767225600
TARGETS_MS = {"cold build (command line)": 250.0, "incremental rebuild (in-process)": 30.0,
              "image assembly": 10.0}


def module_source(index: int, lines: int) -> str:
    """Plausible NodeMCU module code: config tables, string handling, closures, loops."""
    out = [f"-- generated module {index}", "local M = {}", f'M.name = "module{index}"',
           "local gpio_pins = {1, 2, 3, 4, 5, 6, 7, 8}", ""]
    n = 0
    while len(out) < lines - 2:
        n += 1
        kind = n % 5
        if kind == 0:
            out += [f"function M.handler{n}(event, payload)",
                    f'  if event == "connect{n % 7}" then',
                    f'    print("module{index}: connected " .. tostring(payload))',
                    "    return true",
                    f'  elseif event == "data" then',
                    f"    local total = 0",
                    "    for i = 1, #payload do total = total + payload:byte(i) end",
                    f"    return total % {97 + n}",
                    "  end",
                    "  return false",
                    "end", ""]
        elif kind == 1:
            out += [f"M.config{n} = {{",
                    f'  ssid = "network{n % 11}", channel = {n % 13 + 1}, power = {n * 1.5},',
                    f'  hosts = {{ "host{n}.local", "10.0.{n % 250}.1" }},',
                    "}", ""]
        elif kind == 2:
            out += [f"local function helper{n}(a, b, ...)",
                    "  local args = {...}",
                    f"  local s = string.format(\"%d:%d:%s\", a, b, table.concat(args, \",\"))",
                    f"  return s:upper(), #args + {n}",
                    "end",
                    f"M.helper{n} = helper{n}", ""]
        elif kind == 3:
            out += [f"function M.counter{n}()",
                    "  local count = 0",
                    "  return function(step)",
                    f"    count = count + (step or {n % 9 + 1})",
                    "    return count",
                    "  end",
                    "end", ""]
        else:
            out += [f"function M.blink{n}(pin, times)",
                    "  for i = 1, times do",
                    "    gpio.write(gpio_pins[pin], i % 2 == 0 and gpio.HIGH or gpio.LOW)",
                    "  end",
                    f"  tmr.create():alarm({100 + n}, tmr.ALARM_SINGLE, function() M.blink{n}(pin, times - 1) end)",
                    "end", ""]
    out = out[:lines - 1] + ["return M"]
    return "\n".join(out) + "\n"


def make_project(folder: Path, modules: int, lines: int) -> Path:
    lfs = folder / "lfs"
    lfs.mkdir(parents=True)
    for i in range(modules):
        (lfs / f"mod{i:02d}.lua").write_text(module_source(i, lines // modules))
    (folder / "espconsole.toml").write_text(f"[lfs]\nsources = \"lfs\"\ntimestamp = {TIMESTAMP}\n")
    return folder


def espconsole_command() -> list[str]:
    script = Path(sys.executable).with_name("espconsole")
    return [str(script)] if script.exists() else [sys.executable, "-m", "espconsole"]


def time_cli(project: Path, repeat: int, cold: bool = True) -> list[float]:
    times = []
    for _ in range(repeat):
        if cold:
            shutil.rmtree(project / ".espconsole", ignore_errors=True)
        started = time.perf_counter()
        done = subprocess.run([*espconsole_command(), "build", str(project)], capture_output=True,
                              text=True)
        times.append(time.perf_counter() - started)
        if done.returncode != 0:
            raise SystemExit(f"build failed:\n{done.stdout}{done.stderr}")
    return times


def time_incremental(project: Path, repeat: int, compression: str = "exact"
                     ) -> tuple[list[float], bool]:
    shutil.rmtree(project / ".espconsole", ignore_errors=True)
    builder = ProjectBuilder(project, disk_cache=False, compression=compression)
    assert builder.build().ok
    target = project / "lfs" / "mod07.lua"
    original = target.read_text()
    times = []
    identical = True
    for n in range(repeat):
        target.write_text(original.replace("local M = {}", f"local M = {{ edit = {n} }}"))
        started = time.perf_counter()
        result = builder.build()
        times.append(time.perf_counter() - started)
        assert result.ok and result.compiled == ["mod07"], result.problems
        cold = ProjectBuilder(project, disk_cache=False,
                              compression=compression).build(write=False)
        identical &= cold.data == result.data
    target.write_text(original)
    return times, identical


def time_assembly(project: Path, repeat: int, compression: str = "exact"
                  ) -> tuple[list[float], list[float], list[float], int, int]:
    builder = ProjectBuilder(project, disk_cache=False, compression=compression)
    result = builder.build(write=False)
    protos = [builder.cache.memory[k] for k in builder._last[0][0]]
    layout, total, cpu = [], [], []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        raw = vm.lfs.layout_image(vm.lfs.lookup_main(protos, TIMESTAMP))
        middle = time.perf_counter()
        data = vm.lfs.image_file_bytes(raw, fast=compression == "fast")
        total.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
        layout.append(middle - started)
    assert data == result.data
    return layout, total, cpu, raw.flash_size, len(data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modules", type=int, default=20)
    parser.add_argument("--lines", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        project = make_project(Path(tmp) / "project", args.modules, args.lines)
        nlines = sum(len(p.read_text().splitlines()) for p in (project / "lfs").glob("*.lua"))
        cold = time_cli(project, args.repeat)
        warm = time_cli(project, args.repeat, cold=False)
        incremental, identical = time_incremental(project, args.repeat)
        layout, assembly, assembly_cpu, flash_size, file_size = time_assembly(project, args.repeat)
        fast_incremental, fast_identical = time_incremental(project, args.repeat, "fast")
        _, fast_assembly, _, _, fast_size = time_assembly(project, args.repeat, "fast")
    print(f"project: {args.modules} modules, {nlines} lines; image {flash_size} bytes, "
          f"file {file_size} bytes; cpus {os.cpu_count()}")
    figures = {"cold build (command line)": cold, "incremental rebuild (in-process)": incremental,
               "image assembly": assembly}
    for name, times in figures.items():
        ms = statistics.median(times) * 1000
        target = TARGETS_MS[name]
        print(f"{name:34s} {ms:8.1f} ms   target {target:6.0f} ms   ratio {ms / target:5.2f}")
    print(f"{'  image assembly, CPU time':34s} {statistics.median(assembly_cpu) * 1000:8.1f} ms")
    print(f"{'  of which layout (no compression)':34s} {statistics.median(layout) * 1000:8.1f} ms")
    print(f"{'warm build (command line, cache)':34s} {statistics.median(warm) * 1000:8.1f} ms")
    print(f"incremental image identical to a cold build: {identical}")
    print(f"with lfs.compression = \"fast\" (zlib container, same inflated image, "
          f"file {fast_size} bytes):")
    for name, times in {"incremental rebuild (in-process)": fast_incremental,
                        "image assembly": fast_assembly}.items():
        ms = statistics.median(times) * 1000
        target = TARGETS_MS[name]
        print(f"  {name:32s} {ms:8.1f} ms   target {target:6.0f} ms   ratio {ms / target:5.2f}")
    print(f"  incremental image identical to a cold build: {fast_identical}")


if __name__ == "__main__":
    main()
