-- SPDX-License-Identifier: MIT
-- hostile: a pattern whose backtracking is exponential in C, where no hook runs
-- expect: sale is too costly
return {
  on_total = function(sale)
    local s = string.rep("a", 30000)
    return { receipt = { tostring(s:find("a*a*a*a*b")) } }
  end,
}
