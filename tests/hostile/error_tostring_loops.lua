-- SPDX-License-Identifier: MIT
-- hostile: an error object whose __tostring never returns
-- expect: sale (error object is a table value)
return {
  on_total = function(sale)
    error(setmetatable({}, { __tostring = function() while true do end end }))
  end,
}
