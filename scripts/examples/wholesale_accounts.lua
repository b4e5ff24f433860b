-- SPDX-License-Identifier: MIT
-- wholesale_accounts.lua - our wholesale accounts buy for resale.
--
-- Why: cafés and hotels that resell our beans are known customers; a
-- cashier who taps "own use" out of habit should not turn their purchase
-- into a consumer sale.  When a wholesale account is on the sale:
--   * an own-use tag becomes a resale tag (on_tag amends it), and
--   * lines nobody tagged count as bought by a reseller (classify), as
--     long as the account's VAT number (or other evidence) is valid, so
--     the reseller report and the tax hint stay right.
-- The resale policy still applies: without valid evidence the amended
-- resale tag is refused with the validator's sentence.
--
-- Hooks: on_tag, classify.

local WHOLESALE = {
  ["C-CAFE"] = "Café Kreuzberg GmbH",
  ["C-HOTEL-SPREE"] = "Hotel an der Spree",
}

local function account(sale)
  local c = sale.customer
  return c and c.id and WHOLESALE[c.id] and c
end

local function has_valid_evidence(customer)
  for _, ev in ipairs(customer.evidence) do
    if ev.valid then return true end
  end
  return false
end

return {
  on_tag = function(sale, tag)
    local c = account(sale)
    if c and tag.purpose == "own_use" then
      pos.log("info", "wholesale account " .. c.id .. ": own_use tag turned into resale")
      return { purpose = "resale" }
    end
    return nil -- no opinion: the tag stands as the cashier set it
  end,

  classify = function(sale, line)
    local c = account(sale)
    if c and not line.tagged_purpose and not sale.purpose and has_valid_evidence(c) then
      return "reseller"
    end
    return nil
  end,
}
