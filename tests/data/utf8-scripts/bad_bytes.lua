-- SPDX-License-Identifier: MIT
-- bad_bytes.lua - for tests/test_replies.c: script text that is not UTF-8
-- (a surrogate, an overlong "/", a code point above U+10FFFF), logged and
-- raised as errors; under fail_closed a script's error reaches the reply.
local bad = "\237\160\128 \192\175 \244\144\128\128"
return {
  on_sale_begin = function(sale)
    pos.log("info", bad .. " " .. tostring(sale.cashier))
  end,
  on_total = function(sale)
    local first = sale.lines[1]
    error(bad .. " " .. tostring(first and first.name))
  end,
  on_tag = function()
    error(bad, 0)
  end,
}
