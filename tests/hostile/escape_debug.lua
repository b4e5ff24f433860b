-- SPDX-License-Identifier: MIT
-- hostile: remove the time budget through debug.sethook
-- expect: sale global 'debug'
return {
  on_total = function(sale)
    debug.sethook()
    while true do end
  end,
}
