-- SPDX-License-Identifier: MIT
-- echo.lua - for fuzz/fuzz_hooks.c: answers each hook with JSON taken from
-- the sale, so that the fuzzer controls what the hooks answer.
--   on_total      <- lines[1].name     on_tag        <- lines[2].name
--   classify      <- lines[3].name     on_complete   <- lines[4].name
--   on_sale_begin <- the cashier id    validate_party <- the party's name
-- A name that is not JSON gives nil (cjson's safe decode), which is "no
-- opinion"; {"spread": [a, b]} answers with several values (false, "why").
local function decode(text)
  if type(text) ~= "string" then return nil end
  local v = cjson.decode(text)
  if type(v) == "table" and type(v.spread) == "table" then
    return table.unpack(v.spread)
  end
  return v
end

local function line_name(sale, i)
  local l = sale and sale.lines and sale.lines[i]
  return l and l.name
end

return {
  on_sale_begin = function(sale) return decode(sale.cashier) end,
  on_tag = function(sale) return decode(line_name(sale, 2)) end,
  validate_party = function(party) return decode(party.name) end,
  classify = function(sale) return decode(line_name(sale, 3)) end,
  on_total = function(sale) return decode(line_name(sale, 1)) end,
  on_complete = function(sale) return decode(line_name(sale, 4)) end,
}
