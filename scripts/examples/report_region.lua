-- SPDX-License-Identifier: MIT
-- report_region.lua - a "region" column for the accountants' reports.
--
-- Why: the accountant splits reseller turnover into home, other EU states
-- and the rest of the world.  Report rows carry the identifier's country
-- (a VAT prefix such as AT or EL, or a US state for resale certificates).
--
-- Hooks: report_row (adds one column; it may not replace existing ones).

local EU = {}
for code in ("AT BE BG CY CZ DE DK EE EL ES FI FR HR HU IE IT LT LU LV MT " ..
             "NL PL PT RO SE SI SK XI"):gmatch("%u%u") do
  EU[code] = true
end

local function vat_prefix(iso) return iso == "GR" and "EL" or iso end

return {
  report_row = function(row)
    local country = row.country
    if not country then return nil end
    local region
    if row.kind == "resale_cert" then
      region = "us"
    elseif country == vat_prefix(pos.config.store_country) then
      region = "home"
    elseif EU[country] then
      region = "eu"
    else
      region = "non_eu"
    end
    return { region = region }
  end,
}
