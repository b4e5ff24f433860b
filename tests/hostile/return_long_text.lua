-- SPDX-License-Identifier: MIT
-- hostile: a receipt line of a megabyte with control characters
-- expect: sale receipt[1] is 1310720 bytes long; at most 127
return {
  on_total = function(sale)
    return { receipt = { string.rep("\0\27[2J", 1 << 18) } }
  end,
}
