-- SPDX-License-Identifier: MIT
-- 10_loyalty.lua - loyalty points for known customers (soak and fault tests).
--
-- A realistic, busy script: it runs at every hook of a sale, builds tables
-- and strings each time and keeps a small bounded cache between calls, so
-- that a long soak run would show any memory the plugin or the sandbox
-- fails to give back.
--
-- Hooks: on_sale_begin, validate_party, on_tag, classify, on_total,
-- on_complete.

local POINTS_PER_EUR = 1
local seen = {}     -- customer id -> sales seen (bounded below)
local nseen = 0

local function remember(id)
  if seen[id] == nil then
    if nseen >= 500 then seen, nseen = {}, 0 end -- bounded cache
    nseen = nseen + 1
    seen[id] = 0
  end
  seen[id] = seen[id] + 1
  return seen[id]
end

local function points(sale)
  return (sale.total // 100) * POINTS_PER_EUR
end

return {
  on_sale_begin = function(sale)
    if sale.terminal == "RETIRED" then
      return false, "This till is retired"
    end
    return true
  end,

  validate_party = function(party, sale)
    if party.role == "customer" and party.org and not party.name then
      return false, "An organisation needs its name for the receipt"
    end
    return true
  end,

  on_tag = function(sale, tag)
    if tag.purpose == "gift" and tag.gift_receipt == nil then
      return { gift_receipt = true }
    end
    return nil
  end,

  classify = function(sale, line)
    if line.sku and line.sku:sub(1, 7) == "SAMPLE-" then return "consumer" end
    return nil
  end,

  on_total = function(sale, decision)
    local receipt = {}
    if sale.customer and sale.customer.id then
      receipt[#receipt + 1] = string.format("Loyalty: %d points for %s",
                                            points(sale), sale.customer.id)
    end
    if decision.gift_lines > 0 then
      receipt[#receipt + 1] = "Thank you for giving our coffee"
    end
    if #receipt == 0 then return nil end
    return { receipt = receipt }
  end,

  on_complete = function(sale, decision)
    local meta = { points = points(sale), lines = #sale.lines }
    if sale.customer and sale.customer.id then
      meta.visits = remember(sale.customer.id)
    end
    return meta
  end,
}
