-- SPDX-License-Identifier: MIT
-- hostile: a finalizer runs with hooks off; an endless one would hang the till
-- expect: load __gc metamethods are not allowed
setmetatable({}, { __gc = function() while true do end end })
return {}
