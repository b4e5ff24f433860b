-- SPDX-License-Identifier: MIT
-- hostile: add ten thousand report columns
-- expect: report_row more than 16 columns
return {
  report_row = function(row)
    local cols = {}
    for i = 1, 10000 do cols["c" .. i] = i end
    return cols
  end,
}
