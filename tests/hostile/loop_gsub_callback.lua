-- SPDX-License-Identifier: MIT
-- hostile: an endless loop in a string.gsub replacement function
-- expect: sale time budget of 50 ms exceeded
return {
  on_total = function(sale)
    local s = string.gsub(("x"):rep(64), ".", function(c)
      while true do end
    end)
    return { receipt = { s } }
  end,
}
