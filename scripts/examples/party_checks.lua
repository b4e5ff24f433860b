-- SPDX-License-Identifier: MIT
-- party_checks.lua - extra checks on customers and gift recipients.
--
-- Why: receipts for organisations must carry their name, and the shop
-- sends a "your gift is ready" note to gift recipients, so a recipient's
-- contact must be an e-mail address or a phone number, not free text.
--
-- Hooks: validate_party (refuses with a message the cashier sees).

local function is_email(s)
  return s:match("^[%w._%%+-]+@[%w.-]+%.%a%a+$") ~= nil
end

local function is_phone(s)
  local digits = s:gsub("[%s().-]", "")
  return digits:match("^%+?%d%d%d%d%d%d+$") ~= nil and #digits <= 16
end

return {
  validate_party = function(party, sale)
    if party.role == "customer" then
      if party.org and not party.name then
        return false, "An organisation needs its name for the receipt"
      end
      for _, ev in ipairs(party.evidence) do
        if not ev.valid then
          pos.log("info", string.format("sale %s: %s %s is not valid (%s)",
                                        sale.id, ev.kind, ev.input, ev.reason))
        end
      end
    elseif party.role == "recipient" and party.contact then
      if not (is_email(party.contact) or is_phone(party.contact)) then
        return false, "The recipient's contact must be an e-mail address or a phone number"
      end
    end
    return true
  end,
}
