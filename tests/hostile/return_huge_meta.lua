-- SPDX-License-Identifier: MIT
-- hostile: answer on_complete with twenty thousand fields
-- expect: sale more than 256 values
return {
  on_complete = function(sale)
    local t = {}
    for i = 1, 20000 do t["k" .. i] = i end
    return t
  end,
}
