-- SPDX-License-Identifier: MIT
-- cjson_sku_rules.lua - per-article rules kept as a JSON document.
--
-- Why: the purchasing team maintains quantity limits and age checks in a
-- JSON file they export from their spreadsheet; pasting it here keeps the
-- rules next to the code that enforces them.  cjson is the Debian
-- lua-cjson module in its safe form: decode returns nil and a message on
-- bad JSON instead of raising, so we can say exactly what is wrong.
--
-- Hooks: on_total (blocks over-limit quantities, asks for an ID check)
--        on_complete (records which rules version judged the sale).

local RULES_JSON = [[
{
  "version": "2026-11-a",
  "max_qty": { "BEAN-GESHA": 2, "GIFTCARD-50": 5 },
  "age_checked_prefixes": ["SPIRIT-"],
  "minimum_age": 18
}
]]

local rules, err = cjson.decode(RULES_JSON)
if not rules then
  -- Raised at load time: `posintent script check` and a reload show it
  -- with this file's name and line, and the old scripts stay active.
  error("the rules JSON is invalid: " .. err)
end

local function age_checked(sku)
  for _, prefix in ipairs(rules.age_checked_prefixes) do
    if sku:sub(1, #prefix) == prefix then return true end
  end
  return false
end

return {
  on_total = function(sale)
    local blocks, prompts = {}, {}
    local asked = false
    for _, line in ipairs(sale.lines) do
      local sku = line.sku or ""
      local max = rules.max_qty[sku]
      if max and line.qty > max then
        blocks[#blocks + 1] = string.format("%s: at most %d per sale (rules %s)",
                                            line.name or sku, max, rules.version)
      end
      if not asked and age_checked(sku) then
        asked = true
        prompts[#prompts + 1] = {
          id = "age_check",
          text = string.format("Check ID: the buyer must be %d or older", rules.minimum_age),
          line = line.line,
          choices = { "checked", "refused" },
        }
      end
    end
    if #blocks == 0 and #prompts == 0 then return nil end
    pos.log("debug", "sku rules: " .. cjson.encode({ sale = sale.id, blocks = #blocks }))
    return { block = (#blocks > 0) and blocks or nil, prompts = prompts }
  end,

  on_complete = function(sale)
    return { sku_rules = rules.version }
  end,
}
