-- SPDX-License-Identifier: MIT
-- return_rules.lua - what may come back, and how it is refunded.
--
-- Why: a return keeps the purpose its lines were sold with (docs/events.md,
-- sale.return), so a store can hold returns to the rules of that purpose:
--   * goods bought for resale come back only with the manager's approval,
--     written in the reason ("other", "approved by Jana Novak");
--   * a gift is refunded as a voucher or gift card, never to a card or in
--     cash: the person bringing it back is usually the recipient, who did
--     not pay, and the payer's card is not theirs to refund to.
-- Every return that passes gets a receipt line naming the purposes that
-- came back, and the same as a field kept with the return.
--
-- Hooks: on_return (a refusal, receipt lines and fields).

local GIFT_TENDERS = { voucher = true, gift_card = true }

-- The purposes among the returned lines, in order of first appearance.
local function purposes(ret)
  local seen, list = {}, {}
  for _, line in ipairs(ret.lines) do
    if not seen[line.purpose] then
      seen[line.purpose] = true
      list[#list + 1] = line.purpose
    end
  end
  return seen, list
end

return {
  on_return = function(sale, ret)
    local seen, list = purposes(ret)
    if seen.resale then
      local text = ret.reason_text or ""
      if ret.reason ~= "other" or not text:find("^approved by %S") then
        return false, "Resale returns need the manager: reason other, "
          .. "\"approved by NAME\""
      end
    end
    if seen.gift then
      for _, tender in ipairs(ret.refund) do
        if not GIFT_TENDERS[tender.type] then
          return false, "A gift is refunded as a voucher or gift card, not by "
            .. tender.type
        end
      end
    end
    return {
      receipt = { "Returned (" .. table.concat(list, ", ") .. ") from sale " .. sale.id },
      meta = { returned_purposes = table.concat(list, ",") },
    }
  end,
}
