-- Removals: clearing during traversal, nil assignments, reinsertion, table.insert/remove.
local function show(label, t)
  local parts = {}
  for k, v in pairs(t) do parts[#parts + 1] = tostring(k) .. "=" .. tostring(v) end
  print(label, #t, table.concat(parts, " "))
end

local t = {}
for i = 1, 30 do t["k" .. i] = i; t[i] = i end
for k, v in pairs(t) do
  if type(v) == "number" and v % 2 == 0 then t[k] = nil else t[k] = v * 10 end
end
show("cleared", t)
for i = 1, 10 do t["new" .. i] = i end
show("refilled", t)
for i = 1, 30 do t["k" .. i] = -i end
show("revived", t)

local q = {}
local first, last = 1, 0
for round = 1, 40 do
  last = last + 1; q[last] = round
  if round % 3 == 0 then q[first] = nil; first = first + 1 end
end
show("queue", q)

local l = {}
for i = 1, 20 do table.insert(l, i) end
table.insert(l, 1, "a"); table.insert(l, 5, "b")
for i = 1, 7 do table.remove(l, 1) end
table.remove(l)
show("insert/remove", l)
for i = 1, #l do l[i] = nil end
show("emptied", l)
l.x = 1; l[3] = 3
show("after", l)

local absent = {a = 1}
absent.b = nil; absent.c = nil; absent.d = 4
show("nil-absent", absent)

local set = {}
for i = 1, 50 do set["m" .. (i * 37 % 101)] = true end
for i = 1, 50, 2 do set["m" .. (i * 37 % 101)] = nil end
for i = 51, 80 do set["m" .. (i * 37 % 101)] = true end
show("set", set)
local c = 0
for k in next, set do c = c + 1 end
print("count", c)
