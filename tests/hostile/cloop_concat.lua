-- SPDX-License-Identifier: MIT
-- hostile: table.concat of half a million numbers, each converted in C
-- expect: sale time budget of 50 ms exceeded
return {
  on_total = function(sale)
    local t = {}
    for i = 1, 500000 do t[i] = i * 0.5 end
    for _ = 1, 100 do local s = table.concat(t, ",") end
  end,
}
