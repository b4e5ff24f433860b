-- SPDX-License-Identifier: MIT
-- hostile: a loop that keeps raising and catching its own errors
-- expect: sale time budget of 50 ms exceeded
return {
  on_sale_begin = function(sale)
    local n = 0
    while true do
      local ok = pcall(error, "again")
      n = n + 1
    end
  end,
}
