-- SPDX-License-Identifier: MIT
-- hostile: a plain find that compares bytes for minutes
-- expect: sale is too costly
return {
  on_total = function(sale)
    local hay = string.rep("a", 1000):rep(4000)
    local needle = string.rep("a", 1000):rep(20) .. "b"
    return { receipt = { tostring(hay:find(needle, 1, true)) } }
  end,
}
