"""Modal screens of the console: SPIFFS files, partition table editor, port switch, upload, confirmation."""
