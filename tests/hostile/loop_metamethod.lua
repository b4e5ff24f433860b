-- SPDX-License-Identifier: MIT
-- hostile: an endless loop hidden in an __index metamethod
-- expect: sale time budget of 50 ms exceeded
local trap = setmetatable({}, { __index = function(t, k) while true do end end })
return {
  classify = function(sale, line)
    return trap.status
  end,
}
