-- SPDX-License-Identifier: MIT
-- age_check.lua - coffee liqueur is sold to adults only: the cashier must
-- answer the ID check before the sale can complete.
--
-- Why: a prompt alone is a question the cashier may skip.  This rule asks
-- (a prompt with choices), reads the answer the till sends back with a
-- sale.answer event (sale.answers.age_18), and blocks completion until the
-- answer is "yes".  "no" keeps the sale blocked: remove the liqueur.
-- Lines bought for resale (a bar with its licence) are not asked.
--
-- Hooks: on_total (asks, then blocks until answered "yes")
--        on_complete (keeps the answer with the recorded sale: answers
--        themselves live only with the open sale, see docs/events.md).

local AGE_RESTRICTED = "^LIQUEUR%-" -- SKUs of coffee liqueurs start with LIQUEUR-

local function restricted_line(sale)
  for _, line in ipairs(sale.lines) do
    if line.sku and line.sku:match(AGE_RESTRICTED) and line.status ~= "reseller" then
      return line
    end
  end
  return nil
end

return {
  on_error = "fail_closed", -- an age check must never be skipped

  on_total = function(sale)
    local line = restricted_line(sale)
    if not line then return nil end
    local answer = sale.answers.age_18
    if answer == "yes" then return nil end
    if answer == "no" then
      return { block = "The buyer is under 18: remove " .. (line.name or line.sku) }
    end
    return {
      prompts = { {
        id = "age_18",
        text = "Check ID: is the buyer 18 or older?",
        line = line.line,
        choices = { "yes", "no" },
      } },
      block = "Answer the ID check (18 or older) before completing",
    }
  end,

  on_complete = function(sale)
    if not restricted_line(sale) then return nil end
    return { age_18 = sale.answers.age_18 }
  end,
}
