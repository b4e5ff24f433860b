-- SPDX-License-Identifier: MIT
-- hostile: modify a library through table functions and setmetatable
-- expect: sale cannot change a protected metatable
return {
  on_total = function(sale)
    pcall(table.insert, math, 1)                      -- read-only: refused
    pcall(function() math.pi = 3 end)                 -- read-only: refused
    for k, v in pairs(string) do
      assert(type(k) == "string")                    -- enumeration still works
    end
    setmetatable(string, { __index = function() return "pwned" end })
  end,
}
