-- SPDX-License-Identifier: MIT
-- hostile: an endless loop in a hook
-- expect: sale time budget of 50 ms exceeded
return {
  on_total = function(sale)
    while true do end
  end,
}
