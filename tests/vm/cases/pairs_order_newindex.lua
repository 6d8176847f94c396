-- A store that ends in __newindex still gives the key a slot in the table (Lua 5.1 creates it
-- first), which moves where later keys land; nil and NaN keys fail before the metamethod runs.
local function show(label, t)
  local parts = {}
  for k, v in pairs(t) do parts[#parts + 1] = tostring(k) .. "=" .. tostring(v) end
  print(label, #t, table.concat(parts, " "))
end
local seen = {}
local proxy = setmetatable({}, {__newindex = function(t, k, v)
  seen[#seen + 1] = tostring(k)
  if type(v) == "number" and v % 3 == 0 then rawset(t, k, v) end
end})
for i = 1, 40 do proxy["key" .. i] = i end
for i = 1, 12 do proxy[i * 5] = i * 3 end
show("proxy", proxy)
print(#seen)
print(pcall(function() proxy[nil] = 1 end))
print(pcall(function() proxy[0/0] = 1 end))
local strict = setmetatable({}, {__newindex = function(t, k, v) rawset(t, k, v) end})
for i = 1, 30 do strict["g" .. (i * 7 % 31)] = i end
show("strict", strict)
local env = setmetatable({}, {__index = _G, __newindex = function(t, k, v) rawset(t, k, v * 2) end})
setfenv(1, env)
for i = 1, 15 do env["v" .. i] = i end
alpha, beta, gamma = 1, 2, 3
show("env", env)
