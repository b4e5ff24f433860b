-- SPDX-License-Identifier: MIT
-- hostile: a string that doubles until memory runs out
-- expect: sale memory limit of 32 MiB exceeded
return {
  on_total = function(sale)
    local s = "x"
    while true do s = s .. s end
  end,
}
