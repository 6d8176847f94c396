"""The one Textual message that carries a session event into the app's event loop."""

from __future__ import annotations

from textual.message import Message

from espconsole.session.events import Event


class SessionEvent(Message):
    def __init__(self, event: Event):
        super().__init__()
        self.event = event
