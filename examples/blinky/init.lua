-- init.lua: the SPIFFS bootstrap of the blinky example.
-- Keep this file tiny. It only hands over to the `_init` module in LFS, and it
-- survives an empty or half-written LFS: it checks before calling.
local lfs_init = node.LFS and node.LFS.get("_init") or node.flashindex("_init")
if type(lfs_init) ~= "function" then
  print("LFS has no _init module; flash an image with node.LFS.reload('lfs.img')")
  return
end

local ok, err = pcall(lfs_init)
if not ok then
  print("LFS _init failed: " .. tostring(err))
  return
end

-- Two seconds of grace before the application starts, so that a stuck
-- application can still be stopped with file.remove("init.lua") at the prompt.
tmr.create():alarm(2000, tmr.ALARM_SINGLE, function()
  local app = require("app")
  app.start()
end)
