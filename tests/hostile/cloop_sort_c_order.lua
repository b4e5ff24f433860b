-- SPDX-License-Identifier: MIT
-- hostile: table.sort with a C function (math.ult) as the order: no Lua
-- comparator for the hook to stop in
-- expect: sale time budget of 50 ms exceeded
return {
  on_complete = function(sale)
    local t = {}
    for i = 1, 300000 do t[i] = (i * 7919) % 1000003 end
    for _ = 1, 100 do table.sort(t, math.ult) end
  end,
}
