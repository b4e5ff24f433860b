-- SPDX-License-Identifier: MIT
-- hostile: answer with a hundred thousand receipt lines
-- expect: sale receipt has 100000 entries; at most 16
return {
  on_total = function(sale)
    local lines = {}
    for i = 1, 100000 do lines[i] = "x" end
    return { receipt = lines }
  end,
}
