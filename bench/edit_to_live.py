"""Benchmark of the console's edit → save → run loop on the emulated node: from saving a one-line module change to the new module being live (rebuilt, uploaded over a 115200-paced link, LFS reloaded, prompt back), and from start-up to the first prompt.

Run: python bench/edit_to_live.py [--repeat 5]

* start-up: a fresh process runs the console app headless on a copy of examples/blinky and
  reports the time from its first line to the node's first `> ` in the REPL pane (target 1.5 s),
  and to the end of the start-up deploy.
* edit → live: in-process Session (the console's engine, no UI) on a copy of examples/blinky;
  each round rewrites one line of lfs/config.lua and measures until the Deployed event with
  the node back at its prompt, then checks the value at the REPL (not timed). The figure is
  split into debounce (the watcher's quiet window), build, upload and reload + reboot; the
  reference is the wire time of the image alone at 115200 baud (10 bits per byte).
"""

from __future__ import annotations

import argparse
import queue
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from espconsole.session import NodeState, Session  # noqa: E402
from espconsole.session import events as ev  # noqa: E402

START_TARGET = 1.5
STARTUP_SCRIPT = r"""
import time; t0 = time.perf_counter()
import asyncio, sys
from pathlib import Path
from espconsole.tui.run import open_console
from espconsole.tui.widgets.repl import ReplPane
from espconsole.tui.widgets.modules import ModuleTable
session, app = open_console(Path(sys.argv[1]))
async def main():
    async with app.run_test(size=(140, 40)) as pilot:
        prompt = ready = None
        while ready is None and time.perf_counter() - t0 < 60:
            text = app.query_one(ReplPane).text
            if prompt is None and "\n> " in text:
                prompt = time.perf_counter() - t0
            rows = app.query_one(ModuleTable).rows_shown
            if rows and all(r.state.value == "on node" for r in rows) and not session.busy:
                ready = time.perf_counter() - t0
            await pilot.pause(0.01)
        print(prompt, ready)
asyncio.run(main())
session.close()
"""


def copy_blinky(folder: Path) -> Path:
    project = folder / "blinky"
    shutil.copytree(REPO / "examples" / "blinky", project,
                    ignore=shutil.ignore_patterns(".espconsole"))
    return project


def startup_once() -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as folder:
        project = copy_blinky(Path(folder))
        out = subprocess.run([sys.executable, "-c", STARTUP_SCRIPT, str(project)], cwd=REPO,
                             capture_output=True, text=True, check=True).stdout.split()
        return float(out[0]), float(out[1])


class Recorder:
    """Collects the session's events with their arrival times."""

    def __init__(self, session: Session):
        self.events: queue.Queue = queue.Queue()
        self.output = []
        self.lock = threading.Lock()
        session.subscribe(self.on_event)

    def on_event(self, event) -> None:
        now = time.perf_counter()
        if isinstance(event, ev.ReplOutput):
            with self.lock:
                self.output.append(event.text)
        self.events.put((now, event))

    def until(self, predicate, timeout=60.0):
        end = time.monotonic() + timeout
        seen = []
        while time.monotonic() < end:
            try:
                stamp, event = self.events.get(timeout=0.5)
            except queue.Empty:
                continue
            seen.append((stamp, event))
            if predicate(event):
                return stamp, seen
        raise RuntimeError("timed out")


def edit_rounds(repeat: int) -> list[dict]:
    results = []
    with tempfile.TemporaryDirectory() as folder:
        project = copy_blinky(Path(folder))
        session = Session(project)
        recorder = Recorder(session)
        session.start().result(60)
        session.wait_idle(60)
        config = project / "lfs" / "config.lua"
        original = config.read_text()
        try:
            for round_number in range(repeat):
                value = f"edit {round_number} {time.time_ns()}"
                while not recorder.events.empty():
                    recorder.events.get()
                saved = time.perf_counter()
                config.write_text(original.replace('"blinky ready"', repr(value).replace("'", '"')))
                live, seen = recorder.until(lambda e: isinstance(e, ev.Deployed))
                session.wait_idle(30)
                build_start = next(t for t, e in seen if isinstance(e, ev.BuildStarted))
                build = next(e.status for _, e in seen if isinstance(e, ev.BuildFinished))
                # the image transfer: its progress reports up to done == total (the
                # "finished" report only comes after the reload)
                uploads = [t for t, e in seen if isinstance(e, ev.Progress) and not e.finished
                           and e.task.startswith("deploy")]
                image_size = next(e.image_size for _, e in seen if isinstance(e, ev.Deployed))
                results.append({"total": live - saved, "debounce": build_start - saved,
                                 "build": build.seconds, "upload": uploads[-1] - uploads[0],
                                 "reload": live - uploads[-1], "image": image_size})
                check = session.send_line(f"print('value='..require('config').greeting)")
                check.result(10)
                end = time.monotonic() + 10
                while time.monotonic() < end and f"value={value}" not in "".join(recorder.output):
                    time.sleep(0.02)
                if f"value={value}" not in "".join(recorder.output):
                    raise RuntimeError("the new value never reached the REPL")
                assert session.node_state in (NodeState.READY, NodeState.BUSY)
        finally:
            session.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    starts = [startup_once() for _ in range(max(3, args.repeat // 2))]
    prompt = statistics.median(s[0] for s in starts)
    deployed = statistics.median(s[1] for s in starts)
    print(f"start-up to first prompt:  {prompt:6.3f} s   target {START_TARGET:.1f} s   "
          f"ratio {prompt / START_TARGET:.2f}")
    print(f"start-up to deployed LFS:  {deployed:6.3f} s   (fresh node: upload + reload included)")

    rounds = edit_rounds(args.repeat)
    def median(key):
        return statistics.median(r[key] for r in rounds)
    wire = rounds[0]["image"] * 10 / 115200
    total = median("total")
    print(f"edit → live (median of {len(rounds)}): {total:6.3f} s   "
          f"(min {min(r['total'] for r in rounds):.3f}, max {max(r['total'] for r in rounds):.3f})")
    print(f"  debounce {median('debounce'):.3f} s, build {median('build'):.3f} s, "
          f"upload {median('upload'):.3f} s, reload + reboot + prompt {median('reload'):.3f} s")
    print(f"  reference: the {rounds[0]['image']}-byte image alone on a 115200 wire = {wire:.3f} s; "
          f"ratio {total / wire:.2f}")


if __name__ == "__main__":
    main()
