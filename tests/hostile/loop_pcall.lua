-- SPDX-License-Identifier: MIT
-- hostile: an endless loop that catches the budget error with pcall and loops on
-- expect: sale time budget of 50 ms exceeded
return {
  on_total = function(sale)
    while true do
      pcall(function() while true do end end)
    end
  end,
}
