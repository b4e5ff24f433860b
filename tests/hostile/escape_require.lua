-- SPDX-License-Identifier: MIT
-- hostile: load a C module through require / package.loadlib
-- expect: load global 'require'
local ffi = require("ffi")
return {}
