-- SPDX-License-Identifier: MIT
-- hostile: catches the memory error and returns holding nearly all of the cap,
-- so that every later call (of every script) would fail
-- expect: sale scripts hold
local hoard = {}
return {
  on_sale_begin = function(sale)
    local chunk = string.rep("y", 65536)
    pcall(function()
      while true do hoard[#hoard + 1] = chunk .. #hoard end
    end)
    return nil
  end,
}
