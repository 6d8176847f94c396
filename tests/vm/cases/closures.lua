-- closures, upvalues, varargs, tail calls, recursion
local fns = {}
for i = 1, 3 do fns[i] = function() return i end end
print(fns[1](), fns[2](), fns[3]())
local function counter()
  local n = 0
  return function() n = n + 1 return n end, function() return n end
end
local inc, get = counter()
inc() inc()
print(get())
local shared = {}
do local x = 1 shared.get = function() return x end shared.set = function(v) x = v end end
shared.set(42) print(shared.get())
local function sum(...)
  local s = 0
  for i = 1, select("#", ...) do s = s + (select(i, ...)) end
  return s, select("#", ...)
end
print(sum(1, 2, 3, 4))
local function pack(...) return {n = select("#", ...), ...} end
local p = pack(1, nil, 3)
print(p.n, p[1], p[2], p[3])
local function count(n, acc) if n == 0 then return acc end return count(n - 1, acc + 1) end
print(count(100000, 0))
local function fib(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end
print(fib(20))
local function deep(n) if n == 0 then return 0 end return 1 + deep(n - 1) end
print(deep(5000))
print(pcall(function() local function r() return 1 + r() end return r() end))
local a = {}
local i = 1
while i <= 3 do local j = i a[i] = function() return j * 10 end i = i + 1 end
print(a[1](), a[2](), a[3]())
repeat local k = 5 a.r = function() return k end until true
print(a.r())
print((function(...) return ... end)(1, 2, 3))
