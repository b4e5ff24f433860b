-- SPDX-License-Identifier: MIT
-- hostile: table.sort with a comparator that never returns
-- expect: sale time budget of 50 ms exceeded
return {
  on_complete = function(sale)
    local t = { 3, 1, 2 }
    table.sort(t, function(a, b) while true do end end)
    return { sorted = t }
  end,
}
