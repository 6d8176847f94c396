-- Constructor size hints, SETLIST with multiple results, growth through rehashes, array + hash.
local function show(label, t)
  local parts = {}
  for k, v in pairs(t) do parts[#parts + 1] = tostring(k) .. "=" .. tostring(v) end
  print(label, #t, table.concat(parts, " "))
end

show("list+hash", {1, 2, 3, x = 1, y = 2, 4, 5, z = 3})
show("keys-first", {[1] = "a", [2] = "b", [5] = "e", "A", "B", "C"})
show("sparse-ctor", {[3] = 3, [7] = 7, [10] = 10, [20] = 20})
local function three() return 1, 2, 3 end
local function many(n) local r = {} for i = 1, n do r[i] = i * i end return unpack(r) end
show("multret", {three()})
show("multret2", {0, three()})
show("multret-hash", {a = 1, b = 2, many(5)})
show("vararg", (function(...) return {...} end)(1, nil, 3, nil, 5))
local long = {many(60)}
long.tag = "t"
show("sixty", long)
local grow = {}
for i = 1, 70 do
  if i % 3 == 0 then grow["s" .. i] = i else grow[i * 2] = i end
  if i == 5 or i == 17 or i == 33 or i == 70 then show("grow" .. i, grow) end
end
local o = {n = 0}
for i = 1, 20 do o[#o + 1] = i; o.n = o.n + 1 end
show("n-field", o)
local holes = {}
for i = 1, 16 do holes[i] = i end
holes[4] = nil; holes[9] = nil; holes[16] = nil
show("holes", holes)
holes[17] = 17; holes[40] = 40
show("holes2", holes)
