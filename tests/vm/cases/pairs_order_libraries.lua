-- pairs() over the standard library tables and _G lists names in lua5.1's order.
for _, name in ipairs{"string", "table", "math", "coroutine", "debug", "package"} do
  local ks = {}
  for k in pairs(_G[name]) do ks[#ks + 1] = tostring(k) end
  print(name, table.concat(ks, " "))
end
local ks = {}
for k in pairs(_G) do ks[#ks + 1] = tostring(k) end
print("_G", table.concat(ks, " "))
ks = {}
for k in pairs(os.date("*t", 86400 * 365)) do ks[#ks + 1] = tostring(k) end
print("date", table.concat(ks, " "))
local seen = {}
for k, v in pairs(os) do seen[#seen + 1] = k end
table.sort(seen)
print("os has exit/time/clock", os.exit ~= nil, os.time ~= nil, os.clock ~= nil)
