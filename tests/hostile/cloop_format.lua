-- SPDX-License-Identifier: MIT
-- hostile: string.format with tens of thousands of slow conversions in one
-- call ('%.99f' of 1e308 prints 408 characters)
-- expect: sale time budget of 50 ms exceeded
return {
  on_total = function(sale)
    local args = {}
    for i = 1, 50000 do args[i] = 1e308 end
    local fmt = string.rep("%.99g", 50000)
    for _ = 1, 100 do local s = string.format(fmt, table.unpack(args)) end
  end,
}
