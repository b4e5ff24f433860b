-- SPDX-License-Identifier: MIT
-- gift_over_200.lua - a gift worth more than 200 EUR needs the recipient's name.
--
-- Why: for an expensive gift the store wants to know who receives it
-- (exchanges without the buyer, warranty registration).  At the total the
-- cashier is asked for the name, and the sale cannot complete until the
-- gift tag carries one ("recipient": {"name": ...} in sale.tag).
--
-- Hooks: on_total (a prompt and a block).
--
-- The threshold is per currency, in minor units (cents); sales in a
-- currency not listed here are not checked.

local THRESHOLD = { EUR = 20000, CHF = 20000 } -- 200.00

-- Sum of net + tax over the lines bought as a gift, and whether one of
-- them still has no recipient name.
local function gift_value(sale)
  local value, unnamed = 0, false
  for _, line in ipairs(sale.lines) do
    if line.purpose == "gift" then
      value = value + line.net + line.tax
      local gift = line.gift or sale.gift
      if not (gift and gift.recipient_name) then unnamed = true end
    end
  end
  return value, unnamed
end

-- 24900 -> "249.00" (integer arithmetic: money is never a float)
local function major(minor)
  return string.format("%d.%02d", minor // 100, minor % 100)
end

return {
  on_total = function(sale)
    local limit = THRESHOLD[sale.currency]
    if not limit then return nil end
    local value, unnamed = gift_value(sale)
    if value <= limit or not unnamed then return nil end
    return {
      prompts = { {
        id = "recipient_name",
        text = "Gift over " .. major(limit) .. " " .. sale.currency ..
               ": ask for the recipient's name",
        field = "recipient.name",
      } },
      block = "A gift worth " .. major(value) .. " " .. sale.currency ..
              " needs the recipient's name",
    }
  end,
}
