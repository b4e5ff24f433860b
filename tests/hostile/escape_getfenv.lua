-- SPDX-License-Identifier: MIT
-- hostile: Lua 5.1 style environment access, and collectgarbage / dofile / _G
-- expect: sale global 'getfenv'
return {
  on_total = function(sale)
    assert(collectgarbage == nil and dofile == nil and loadfile == nil and _G == nil)
    local env = getfenv(0)
    return env
  end,
}
