-- config.lua: the blinky example's settings in one place.
return {
  led_pin = 4,          -- GPIO2, the blue LED on ESP-12 modules (active low)
  period_ms = 500,      -- half a blink
  greeting = "blinky ready",
}
