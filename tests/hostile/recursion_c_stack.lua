-- SPDX-License-Identifier: MIT
-- hostile: recursion through C (an __index that indexes itself)
-- expect: sale stack overflow
local t
t = setmetatable({}, { __index = function(self, k) return self[k .. "x"] end })
return {
  on_total = function(sale) return t.a end,
}
