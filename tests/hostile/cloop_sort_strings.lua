-- SPDX-License-Identifier: MIT
-- hostile: table.sort of long strings that differ only at their end, so
-- that every comparison reads the whole string (strcoll, in C)
-- expect: sale time budget of 50 ms exceeded
return {
  on_total = function(sale)
    local prefix = string.rep("p", 4000)
    local t = {}
    for i = 1, 3000 do t[i] = prefix .. ((i * 7919) % 3001) end
    for _ = 1, 100 do table.sort(t) end
  end,
}
