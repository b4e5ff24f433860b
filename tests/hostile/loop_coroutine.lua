-- SPDX-License-Identifier: MIT
-- hostile: an endless loop inside a coroutine (coroutines are not offered)
-- expect: sale global 'coroutine'
return {
  on_total = function(sale)
    local co = coroutine.wrap(function() while true do coroutine.yield() end end)
    while true do co() end
  end,
}
