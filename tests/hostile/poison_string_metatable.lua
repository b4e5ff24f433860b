-- SPDX-License-Identifier: MIT
-- hostile: poison the string metatable so that ("x"):upper() misbehaves in the
-- next script (the canary checks it)
-- expect: sale attempt to index a boolean value
return {
  on_sale_begin = function(sale)
    local mt = getmetatable("")
    mt.__index = { upper = function() return "pwned" end }
  end,
}
