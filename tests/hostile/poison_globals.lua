-- SPDX-License-Identifier: MIT
-- hostile: redefine base functions and leave a global, hoping another script
-- shares this environment (each script has its own: nothing leaks)
-- expect: sale ok
tostring = function() return "pwned" end
pairs = function() error("pwned") end
pwned = true
return {
  on_total = function(sale)
    tostring = nil
    return nil
  end,
}
