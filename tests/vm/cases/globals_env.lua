-- environments, loadstring, select, type, misc base functions
print(type(print), type(nil), type({}), type("s"), type(2), type(true), type(coroutine.create(function() end)))
print(pcall(coroutine.create, print))
local f = loadstring("return 1 + ...")
print(f(41), loadstring("syntax error here"))
local env = {y = 5}
local g = setfenv(loadstring("x = 10 return y"), env)
print(g(), env.x, x)
print(getfenv(1) == _G, _VERSION)
print(select(-1, "a", "b", "c"), select(2, "a", "b", "c"))
print(pcall(select, 0))
print(string.rep("=", 10))
local n = 0
for k, v in pairs(_G) do n = n + 1 end
print(n > 10)
print(tostring(nil), tostring(false), tonumber("  0x10  "), tonumber(" -7.5e1 "))
print(next({}, nil), rawlen == nil, unpack({}, 1, 3))
local t = setmetatable({}, {__tostring = function() return "custom!" end})
print(t, tostring(t))
print(#arg >= 0, type(os.clock()), type(os.time()))
