-- SPDX-License-Identifier: MIT
-- reverse_charge_shipped.lua - the reverse-charge sentence, only when the
-- goods are shipped to another EU state.
--
-- Why: a sale of goods to a business with a valid VAT number of another EU
-- member state is a VAT-free intra-Community supply only when the goods
-- leave the country.  The plugin's built-in hint assumes they do; this
-- store knows better: goods are shipped when the sale has a shipping line
-- (SKU starting with SHIP).  Then the invoice must say so; otherwise the
-- sale is taxed as usual and the cashier is reminded to add the shipping.
--
-- Hooks: on_total (treatment hint, receipt lines, a prompt).

local EU = {} -- VAT prefixes of the member states (Greece is EL), and XI
for code in ("AT BE BG CY CZ DE DK EE EL ES FI FR HR HU IE IT LT LU LV MT " ..
             "NL PL PT RO SE SI SK XI"):gmatch("%u%u") do
  EU[code] = true
end

local SHIPPING = "^SHIP"

local function vat_prefix(iso) return iso == "GR" and "EL" or iso end

-- The customer's valid VAT number of another member state, if any.
local function foreign_eu_vat(sale)
  local home = vat_prefix(pos.config.store_country)
  if not (EU[home] and sale.customer) then return nil end
  for _, ev in ipairs(sale.customer.evidence) do
    if ev.kind == "vat" and ev.valid and EU[ev.country] and ev.country ~= home then
      return ev
    end
  end
  return nil
end

local function shipped(sale)
  for _, line in ipairs(sale.lines) do
    if line.sku and line.sku:match(SHIPPING) then return true end
  end
  return false
end

return {
  on_total = function(sale, decision)
    if decision.resale_lines == 0 then return nil end
    local vat = foreign_eu_vat(sale)
    if not vat then return nil end
    if shipped(sale) then
      return {
        treatment = "reverse_charge",
        receipt = {
          "VAT-free intra-Community supply (Art. 138 Directive 2006/112/EC)",
          "Reverse charge: the customer accounts for VAT, VAT ID " .. vat.compact,
        },
      }
    end
    return {
      treatment = "standard",
      prompts = { "Goods for " .. vat.country ..
                  " leave the country? Add the shipping line for a VAT-free supply" },
    }
  end,
}
