-- SPDX-License-Identifier: MIT
-- hostile: answer with a table that contains itself
-- expect: sale nested deeper than 4 (or a cycle)
return {
  on_complete = function(sale)
    local t = { a = 1 }
    t.self = t
    return { loop = t }
  end,
}
