-- SPDX-License-Identifier: MIT
-- hostile: replace shared library functions for every script
-- expect: load attempt to modify read-only table 'string'
string.upper = function() return "pwned" end
table.insert = nil
return {}
