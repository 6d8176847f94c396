"""Project watching: watchdog events → filtered, debounced rebuild/upload requests (pure rules in `rules` and `debounce`, the observer glue in `observer`)."""

from espconsole.watch.debounce import Debouncer
from espconsole.watch.observer import ProjectWatcher
from espconsole.watch.rules import Change, ChangeBatch, ChangeKind, ProjectRules

__all__ = ["Change", "ChangeBatch", "ChangeKind", "Debouncer", "ProjectRules", "ProjectWatcher"]
