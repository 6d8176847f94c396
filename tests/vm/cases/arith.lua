-- arithmetic, coercion and number formatting
print(1 + 2, 7 - 10, 6 * 7, 7 / 2, 7 % 3, -7 % 3, 7 % -3, 2 ^ 10, -2 ^ 2)
print(10 / 0, -10 / 0, 0.1 + 0.2, 1e15, 1e16, 123456789012, 2^53 + 1)
print("10" + 5, "3" * "4", 10 .. 20, "0x10" + 0, " 5 " * 2)
print(5.5 % 2, -5.5 % 2, 5 % 0.3, 1e308 * 10, -(1e308 * 10))
print(math.floor(3.7), math.ceil(3.2), math.abs(-4), math.max(3, 9, 1), math.min(3, 9, 1))
print(math.sqrt(16), math.pow(2, 8), math.huge, -math.huge, math.pi)
print(tostring(1/3), tonumber("  12  "), tonumber("0x1F"), tonumber("z", 36), tonumber("1e2"))
print(tonumber("abc"), tonumber(""), tonumber("10", 2), tonumber("ff", 16), tonumber(nil))
local x = 0
for i = 1, 100 do x = x + i * i - i / 2 end
print(x)
for i = 10, 1, -3 do io.write(i, " ") end print()
for i = 1, 0 do print("never") end
for i = 0.5, 2, 0.5 do io.write(i, ",") end print()
print(3 == 3.0, 1 < 2, "a" < "b", "abc" < "abd", "Z" < "a", 2 <= 2, not nil)
