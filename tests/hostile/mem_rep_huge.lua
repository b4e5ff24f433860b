-- SPDX-License-Identifier: MIT
-- hostile: string.rep of 2^40 bytes in one call
-- expect: sale resulting string too large
return {
  on_total = function(sale)
    return { receipt = { string.rep("x", 1 << 40) } }
  end,
}
