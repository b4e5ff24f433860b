-- SPDX-License-Identifier: MIT
-- deep.lua - the deepest C stack a store script can reach, for the stack
-- measurement in tests/test_abi.c: every level below goes through a C
-- function (pcall, table.sort's comparator, string.gsub's callback) until
-- Lua refuses to nest C calls any deeper ("C stack overflow", caught).
local function through_pcall(n)
  pcall(through_pcall, n + 1)
  return n
end

local function through_sort(n)
  local t, deeper = {2, 1}, true
  table.sort(t, function(a, b)
    if deeper then -- once per level: the nesting, not a tree of calls
      deeper = false
      pcall(through_sort, n + 1)
    end
    return a < b
  end)
end

local function through_gsub(n)
  string.gsub("a", "%a", function()
    pcall(through_gsub, n + 1)
  end)
end

return {
  on_total = function(sale)
    through_pcall(0)
    through_sort(0)
    through_gsub(0)
  end,
}
