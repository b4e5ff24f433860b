-- SPDX-License-Identifier: MIT
-- hostile: string.rep of 4 MiB again and again, each one a C loop
-- expect: sale time budget of 50 ms exceeded
return {
  on_total = function(sale)
    for _ = 1, 1000 do local s = string.rep("ab", 2 << 20, "") end
  end,
}
