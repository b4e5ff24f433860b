-- SPDX-License-Identifier: MIT
-- hostile: JSON nested far deeper than allowed, decoded and encoded
-- expect: sale Found too many nested data structures
return {
  on_total = function(sale)
    local deep = {}
    local cur = deep
    for i = 1, 1000 do cur[1] = {}; cur = cur[1] end
    local text, eerr = cjson.encode(deep)
    assert(text == nil and eerr:find("excessive nesting"), "deep encode accepted")
    local v, derr = cjson.decode(string.rep("[", 100000) .. string.rep("]", 100000))
    error(derr)
  end,
}
