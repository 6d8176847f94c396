-- pairs() order and # for numeric keys: array part, hash part, floats, negatives, huge values.
local function show(label, t)
  local parts = {}
  for k, v in pairs(t) do parts[#parts + 1] = tostring(k) .. "=" .. tostring(v) end
  print(label, #t, table.concat(parts, " "))
end

local r = {}
for i = 10, 1, -1 do r[i] = i end
show("reverse", r)
local s = {}
for i = 1, 30, 3 do s[i] = i end
show("stride3", s)
local f = {}
for i = 1, 20 do f[i / 4] = i end
show("quarters", f)
local n = {}
for i = -10, 10 do n[i] = i end
show("negatives", n)
local big = {[1e10] = 1, [2^31] = 2, [2^53] = 3, [-0.0] = 4, [1e300] = 5, [2^26] = 6, [2^26 + 1] = 7,
             [-1e-300] = 8, [123456789] = 9, [0.1] = 10}
show("big", big)
local p = {}
for i = 0, 12 do p[2 ^ i] = i end
show("powers", p)
local mix = {}
for i = 1, 8 do mix[i] = i; mix[i + 0.5] = -i; mix[-i] = i * 10 end
show("mix", mix)
local b = {[true] = "t", [false] = "f", [1] = "one", [0] = "zero"}
show("bools", b)
