-- led.lua: drive one LED on a GPIO pin; the pin is active low as on ESP-12 boards.
local M = {}

local pin

function M.setup(led_pin)
  pin = led_pin
  gpio.mode(pin, gpio.OUTPUT)
  M.set(false)
end

function M.set(on)
  gpio.write(pin, on and gpio.LOW or gpio.HIGH)
end

function M.is_on()
  return gpio.read(pin) == gpio.LOW
end

function M.toggle()
  M.set(not M.is_on())
  return M.is_on()
end

return M
