-- The Lua benchmark workload: what real Lua programs do, in one run whose
-- output does not depend on table iteration order, float formatting or the
-- platform.  N scales the run (bench/large_programs.py calibrates it).
local N = 2000
math.randomseed(42)

-- tables as arrays and records, sorting with a Lua comparator
local people = {}
for i = 1, N do
  people[i] = {id = i, age = math.random(18, 90), name = "p" .. math.random(1, N)}
end
table.sort(people, function(a, b)
  if a.age ~= b.age then return a.age < b.age end
  return a.id < b.id
end)
local check = 0
for i = 1, #people, 7 do check = (check * 31 + people[i].id) % 1000000007 end
print("sort", check)

-- strings: building, pattern matching, gsub, formatting
local parts = {}
for i = 1, N do parts[#parts + 1] = string.format("%d:%s", i * 7 % 1000, people[i].name) end
local text = table.concat(parts, ",")
local words, sum = 0, 0
for num, name in text:gmatch("(%d+):(%w+)") do words = words + 1; sum = sum + tonumber(num) + #name end
local upper = text:gsub("p(%d)", function(d) return "Q" .. d end)
print("strings", words, sum, #upper)

-- hash maps: word counts
local counts = {}
for i = 1, 20 * N do
  local key = "k" .. (i * 2654435761 % 4093)
  counts[key] = (counts[key] or 0) + 1
end
local distinct, most = 0, 0
for _, c in pairs(counts) do distinct = distinct + 1; if c > most then most = c end end
print("counts", distinct, most)

-- closures and a small stack machine with if-chains (a bytecode interpreter in Lua)
local function run(program, steps)
  local stack, sp, pc, acc = {}, 0, 1, 0
  for _ = 1, steps do
    local op = program[pc]
    if op == 1 then sp = sp + 1; stack[sp] = pc
    elseif op == 2 then acc = (acc + (stack[sp] or 0)) % 65521; sp = math.max(sp - 1, 0)
    elseif op == 3 then acc = (acc * 3 + 1) % 65521
    elseif op == 4 then if acc % 2 == 0 then pc = pc + 1 end
    else acc = acc ~ pc end
    pc = pc % #program + 1
  end
  return acc
end
local program = {}
for i = 1, 97 do program[i] = i * 7 % 5 + 1 end
print("machine", run(program, 200 * N))

-- coroutines as generators
local function gen(n)
  return coroutine.wrap(function() for i = 1, n do coroutine.yield(i * i % 97) end end)
end
local total = 0
for v in gen(50 * N) do total = total + v end
print("coroutines", total)

-- integer arithmetic: a sieve
local limit = 200 * N
local sieve, primes = {}, 0
for i = 2, limit do
  if not sieve[i] then
    primes = primes + 1
    for j = i * i, limit, i do sieve[j] = true end
  end
end
print("primes", primes)
