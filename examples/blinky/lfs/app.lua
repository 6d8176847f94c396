-- app.lua: the blinky application: toggles the LED and counts blinks.
local config = require("config")
local led = require("led")

local M = { blinks = 0 }

local timer

function M.start()
  led.setup(config.led_pin)
  timer = tmr.create()
  timer:alarm(config.period_ms, tmr.ALARM_AUTO, function()
    if led.toggle() then
      M.blinks = M.blinks + 1
    end
  end)
  print(config.greeting)
end

function M.stop()
  if timer then
    timer:unregister()
    timer = nil
  end
  led.set(false)
end

return M
