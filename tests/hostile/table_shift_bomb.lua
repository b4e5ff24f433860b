-- SPDX-License-Identifier: MIT
-- hostile: table.insert / table.move over a length of 2^63 (loops in C)
-- expect: sale table too long to shift
return {
  on_total = function(sale)
    local ok, err = pcall(table.move, {}, 1, math.maxinteger, 2)
    assert(not ok and err:find("too many elements"), "table.move ran")
    local huge = setmetatable({}, { __len = function() return math.maxinteger - 1 end })
    table.insert(huge, 1, "x")
  end,
}
