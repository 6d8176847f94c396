-- pairs() order over string keys must be Lua 5.1's node order (unseeded string hash).
local function show(label, t)
  local parts = {}
  for k, v in pairs(t) do parts[#parts + 1] = tostring(k) .. "=" .. tostring(v) end
  print(label, #parts, table.concat(parts, " "))
end

local t = {}
for i = 1, 40 do t["key" .. i] = i end
show("grown", t)

local lens = {}
for n = 0, 80, 3 do lens[string.rep("x", n) .. n] = n end
show("lengths", lens)

local long = {}
for i = 1, 12 do long[string.rep(string.char(64 + i), 33 * i)] = i end
local ks = {}
for k, v in pairs(long) do ks[#ks + 1] = #k end
print("long keys", table.concat(ks, " "))

show("ctor", {alpha = 1, beta = 2, gamma = 3, delta = 4, epsilon = 5, zeta = 6, eta = 7})
show("ctor-nil", {a = 1, b = nil, c = 3, d = nil, e = 5})
local words = {}
for w in ("the quick brown fox jumps over the lazy dog and then some more words appear here"):gmatch("%a+") do
  words[w] = (words[w] or 0) + 1
end
show("words", words)
local obj = {name = "led", pin = 4, mode = "out", value = 0}
obj.extra = true
obj.callback = "none"
show("obj", obj)
for i = 1, 200 do t["n" .. i * 7] = i end
local c = 0
local first = {}
for k in pairs(t) do c = c + 1; if c <= 25 then first[#first + 1] = k end end
print("big", c, table.concat(first, " "))
