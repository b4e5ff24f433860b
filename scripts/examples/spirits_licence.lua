-- SPDX-License-Identifier: MIT
-- spirits_licence.lua - resale of spirits needs an alcohol licence number.
--
-- Why: a shop that sells spirits to bars and kiosks for resale must keep
-- the buyer's licence number with the sale.  Licences are kept here, per
-- customer id (as the till sends it in sale.customer); the admin adds a
-- line when a new trade customer shows theirs.
--
-- Hooks: on_total (block when the licence is unknown, else a receipt line)
--        on_complete (stores the licence with the sale: `posintent sale`
--        shows it, reports and exports carry it).

local SPIRITS = "^SPIRIT%-" -- SKUs of spirits start with SPIRIT-

local LICENCES = {
  ["C-BAR-ANKER"] = "DE-BE-ALK-2025-0193",
  ["C-HOTEL-SPREE"] = "DE-BE-ALK-2024-0877",
}

-- The lines of spirits bought for resale.
local function resold_spirits(sale)
  local found = {}
  for _, line in ipairs(sale.lines) do
    if line.sku and line.sku:match(SPIRITS) and line.status == "reseller" then
      found[#found + 1] = line
    end
  end
  return found
end

local function licence_of(sale)
  return sale.customer and sale.customer.id and LICENCES[sale.customer.id]
end

return {
  on_total = function(sale)
    local lines = resold_spirits(sale)
    if #lines == 0 then return nil end
    local licence = licence_of(sale)
    if licence then
      return { receipt = { "Alcohol licence " .. licence } }
    end
    return {
      prompts = { {
        id = "alcohol_licence",
        text = "Spirits for resale: ask for the alcohol licence and add it to spirits_licence.lua",
        line = lines[1].line,
      } },
      block = "Resale of spirits needs the buyer's alcohol licence number on file",
    }
  end,

  on_complete = function(sale)
    if #resold_spirits(sale) == 0 then return nil end
    return { spirits_licence = licence_of(sale) }
  end,
}
