-- tables, length, table library, sorting
local t = {10, 20, 30, nil, 50}
print(#t, t[5], t[4])
local a = {}
for i = 1, 10 do a[#a + 1] = i * i end
print(#a, table.concat(a, " "))
table.insert(a, 1, 0) table.insert(a, 121)
print(#a, a[1], a[12], table.remove(a), table.remove(a, 1), #a)
print(table.concat({1, 2, 3}, ", ", 2, 3), table.concat({}), table.maxn({1, 2, [7] = 3}))
local words = {"pear", "apple", "fig", "banana", "cherry"}
table.sort(words) print(table.concat(words, " "))
table.sort(words, function(x, y) return #x < #y or (#x == #y and x < y) end) print(table.concat(words, " "))
local nums = {}
for i = 1, 200 do nums[i] = (i * 7919) % 1000 end
table.sort(nums) print(nums[1], nums[100], nums[200])
table.sort(nums, function(x, y) return x > y end) print(nums[1], nums[200])
local keys = {}
for k in pairs({x = 1, y = 2, z = 3, 4, 5}) do keys[#keys + 1] = tostring(k) end
table.sort(keys) print(table.concat(keys, ","))
for i, v in ipairs({"a", "b", "c", nil, "e"}) do io.write(i, v, " ") end print()
print(next({}), type(next({1})), rawget({5}, 1), rawequal(t, t), rawequal({}, {}))
local m = {} m[1] = "int" m[1.0] = "float" m["1"] = "str" m[true] = "bool"
print(m[1], m["1"], m[true], #m)
print(select("#", unpack({1, 2, nil, 4}, 1, 4)), unpack({1, 2, 3}))
print(pcall(table.sort, {3, 1, "x"}))
