-- SPDX-License-Identifier: MIT
-- hostile: write into a shared library table with rawset (not offered)
-- expect: sale global 'rawset'
return {
  on_total = function(sale)
    rawset(string, "upper", function() return "pwned" end)
  end,
}
