-- SPDX-License-Identifier: MIT
-- hostile: a small table whose JSON text is exponential (shared subtables)
-- expect: sale JSON text would exceed 1048576 bytes
return {
  on_total = function(sale)
    local t = { "xxxxxxxxxxxxxxxx" }
    for i = 1, 40 do t = { t, t } end
    local text, err = cjson.encode(t)
    error(err)
  end,
}
