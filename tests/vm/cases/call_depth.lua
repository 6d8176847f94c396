-- Call depth: where recursion through pcall, library callbacks, metamethods, __call, coroutines
-- and tail calls stops (C stack overflow at 200 nested C calls, none for plain or tail calls).
do
  local depth = 0
  local function f(n) depth = depth + 1 if n == 0 then return 0 end local ok, v = pcall(f, n-1) if not ok then error(v, 0) end return v + 1 end
  print(pcall(f, 1000)); print(depth)
end
do
  local function loop(n) if n == 0 then return "done" end return loop(n - 1) end
  print(loop(3000000))
end
do
  local function f(n) if n == 0 then return "x" end return (string.gsub("a", "a", function() return f(n-1) end)) end
  print(pcall(f, 150)); print(pcall(f, 300))
end
do
  local depth = 0
  local function f(n) depth = n if n == 0 then return 0 end local t = {2, 1} table.sort(t, function(a, b) f(n-1) return a < b end) return 1 end
  print(pcall(f, 150)); print(pcall(f, 300), depth)
end
do
  local mt = {}
  mt.__add = function(a, b) if b == 0 then return 0 end return 1 + (a + (b - 1)) end
  local o = setmetatable({}, mt)
  print(pcall(function() return o + 150 end)); print(pcall(function() return o + 300 end))
end
do
  local o = setmetatable({}, {__call = function(self, n) if n == 0 then return 0 end return 1 + self(n-1) end})
  print(pcall(o, 5000)); print(pcall(o, 20000))
end
do
  local function f(n) if n == 0 then return 0 end return 1 + coroutine.wrap(f)(n-1) end
  print(pcall(f, 100)); print(pcall(f, 300))
end
do
  local mt = {}
  mt.__tostring = function(o) if o.n == 0 then return "0" end return tostring(setmetatable({n = o.n - 1}, mt)) end
  print(pcall(tostring, setmetatable({n=100}, mt))); print(pcall(tostring, setmetatable({n=300}, mt)))
end
do
  local function f(n) if n == 0 then return "end" end return pcall(f, n - 1) end
  print(f(150)); print(select('#', f(250)))
end
