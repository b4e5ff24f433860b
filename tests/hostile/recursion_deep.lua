-- SPDX-License-Identifier: MIT
-- hostile: unbounded Lua recursion
-- expect: sale stack overflow | memory limit of 32 MiB exceeded | time budget of 50 ms exceeded
local function down(n) return down(n + 1) + 1 end
return {
  on_total = function(sale) return down(1) end,
}
