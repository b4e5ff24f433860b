-- SPDX-License-Identifier: MIT
-- hostile: many large strings kept alive in a table
-- expect: sale memory limit of 32 MiB exceeded
return {
  on_total = function(sale)
    local keep, mb = {}, string.rep("x", 1 << 20)
    for i = 1, 1000 do keep[i] = mb .. i end
    return nil
  end,
}
