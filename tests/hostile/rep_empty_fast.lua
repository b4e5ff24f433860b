-- SPDX-License-Identifier: MIT
-- hostile: string.rep of an empty string 2^50 times (an endless C loop in
-- stock Lua; here it returns "" at once)
-- expect: sale ok
return {
  on_total = function(sale)
    local s = string.rep("", 1 << 50) .. string.rep("", 1 << 50, "")
    assert(s == "")
    return nil
  end,
}
