-- SPDX-License-Identifier: MIT
-- hostile: table.sort of 300,000 numbers with the default order: the
-- comparisons run in C, where the hook never runs (seconds in stock Lua)
-- expect: sale time budget of 50 ms exceeded
return {
  on_total = function(sale)
    local t = {}
    for i = 1, 300000 do t[i] = (i * 7919) % 1000003 end
    for _ = 1, 100 do table.sort(t) end
  end,
}
