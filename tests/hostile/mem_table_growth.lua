-- SPDX-License-Identifier: MIT
-- hostile: a table that grows without end
-- expect: sale memory limit of 32 MiB exceeded | time budget of 50 ms exceeded
return {
  on_total = function(sale)
    local t = {}
    local i = 0
    while true do i = i + 1; t[i] = { i, i, i } end
  end,
}
