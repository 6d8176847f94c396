-- metatables and metamethods
local V = {}
V.__index = V
V.__add = function(a, b) return setmetatable({x = a.x + b.x}, V) end
V.__eq = function(a, b) return a.x == b.x end
V.__lt = function(a, b) return a.x < b.x end
V.__le = function(a, b) return a.x <= b.x end
V.__tostring = function(v) return "V(" .. v.x .. ")" end
V.__concat = function(a, b) return tostring(a) .. "|" .. tostring(b) end
V.__unm = function(a) return setmetatable({x = -a.x}, V) end
V.__call = function(self, y) return self.x * y end
V.__len = function() return 99 end
function V.new(x) return setmetatable({x = x}, V) end
function V:double() return V.new(self.x * 2) end
local a, b = V.new(1), V.new(2)
print(tostring(a + b), a == b, a == V.new(1), a < b, a <= b, a > b, tostring(-a), a .. b, a(10))
print(a:double().x, #a, rawequal(a, V.new(1)))
local log = {}
local proxy = setmetatable({}, {__index = function(t, k) log[#log + 1] = k return k .. "!" end,
  __newindex = function(t, k, v) rawset(t, k, v * 2) end})
print(proxy.foo, proxy.bar) proxy.z = 5 print(proxy.z, #log)
local default = setmetatable({}, {__index = {a = 1, b = 2}})
print(default.a, default.b, default.c)
print(getmetatable("abc").__index == string, ("x"):upper())
local prot = setmetatable({}, {__metatable = "locked"})
print(getmetatable(prot), pcall(setmetatable, prot, {}))
local arith = setmetatable({}, {__sub = function() return "sub" end, __mul = function() return "mul" end,
  __div = function() return "div" end, __mod = function() return "mod" end, __pow = function() return "pow" end})
print(arith - 1, 2 * arith, arith / 3, arith % 4, arith ^ 5)
local chain = setmetatable({}, {__index = setmetatable({}, {__index = {deep = "yes"}})})
print(chain.deep)
