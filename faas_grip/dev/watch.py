"""Notice when the handler's code changes: mtime polling, no extra dependency."""

from __future__ import annotations

import os
import threading
from pathlib import Path

# Folders that are not the function's own code, or that change by themselves.
_SKIPPED = frozenset(("__pycache__", "node_modules", "site-packages"))


def snapshot(root: Path) -> dict[str, int]:
    """Every file under `root` with its modification time, skipping caches and hidden folders."""
    files: dict[str, int] = {}
    for folder, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if d not in _SKIPPED and not d.startswith(".")]
        for name in names:
            if name.startswith(".") or name.endswith((".pyc", "~", ".swp")):
                continue
            path = Path(folder, name)
            try:
                files[str(path)] = path.stat().st_mtime_ns
            except OSError:
                continue  # removed while walking
    return files


class CodeWatcher:
    """Polls `root` in a background thread; `take_change()` says whether it changed since last asked."""

    def __init__(self, root: Path, interval: float = 0.5) -> None:
        self.root = root
        self.interval = interval
        self._files = snapshot(root)
        self._changed = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="faas-grip-watch", daemon=True)

    def start(self) -> CodeWatcher:
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            files = snapshot(self.root)
            if files != self._files:
                self._files = files
                self._changed.set()

    def take_change(self) -> bool:
        """True once after each change (several edits in a row count as one)."""
        if self._changed.is_set():
            self._changed.clear()
            return True
        return False

    def stop(self) -> None:
        self._stop.set()
