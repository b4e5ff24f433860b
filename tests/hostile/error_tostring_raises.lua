-- SPDX-License-Identifier: MIT
-- hostile: an error object whose __tostring raises again
-- expect: sale (error object is a table value)
return {
  on_total = function(sale)
    error(setmetatable({}, { __tostring = function() error("inner") end }))
  end,
}
