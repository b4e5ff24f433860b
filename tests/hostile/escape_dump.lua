-- SPDX-License-Identifier: MIT
-- hostile: string.dump, to produce bytecode and feed it back
-- expect: sale field 'dump'
return {
  on_total = function(sale)
    local code = string.dump(function() return 1 end)
    return { receipt = { #code } }
  end,
}
