-- pairs() over debug.getinfo results: lua5.1's field order, nil fields keep their slots.
local function keys(t) local s = {} for k in pairs(t) do s[#s+1] = k end return table.concat(s, " ") end
local function f() return keys(debug.getinfo(1)) end
print(f())
print(keys(debug.getinfo(print)))
print(keys(debug.getinfo(f)))
print(keys(debug.getinfo(1, "Sn")))
local x = f
print(keys(debug.getinfo(1, "nfl")))
print((function() return keys(debug.getinfo(1, "n")) end)())
