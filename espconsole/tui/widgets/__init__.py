"""The console's panes and bars; each draws what session events tell it and keeps only its own look in DEFAULT_CSS."""
