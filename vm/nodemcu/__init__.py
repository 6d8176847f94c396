"""The emulated NodeMCU board: flash, partition table, SPIFFS, UART driver and boot output."""
