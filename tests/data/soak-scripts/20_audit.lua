-- SPDX-License-Identifier: MIT
-- 20_audit.lua - a second script, with its own globals, that logs at debug
-- level and encodes a summary with cjson on every completion.
--
-- Hooks: on_total, on_complete, on_return.

local count = 0

return {
  on_total = function(sale, decision)
    if decision.resale_lines > 0 and sale.customer then
      for _, ev in ipairs(sale.customer.evidence) do
        if ev.valid then return nil end
      end
      return { prompts = { "Ask the reseller for a valid VAT number" } }
    end
    return nil
  end,

  on_complete = function(sale, decision)
    count = count + 1
    local summary = cjson.encode({ id = sale.id, n = #sale.lines,
                                   treatment = decision.treatment })
    if count % 1000 == 0 then
      pos.log("debug", "audit: " .. count .. " sales, last " .. summary)
    end
    return { audit = #summary }
  end,

  on_return = function(sale, ret)
    local summary = cjson.encode({ sale = sale.id, n = #ret.lines, total = ret.total })
    return { receipt = { "Returned from sale " .. sale.id }, meta = { audit = #summary } }
  end,
}
