-- SPDX-License-Identifier: MIT
-- account_certificates.lua: a customer on file (posintent account) buys
-- for resale only while the account's resale certificate is current.
--
-- sale.customer.account says which account the cashier named and which
-- version of it the sale copied (frozen: a later update of the account does
-- not change this sale).  The evidence copied with it is
-- sale.customer.evidence; a certificate there has `expires` and
-- `days_left`, counted from the sale's day (0 on its last valid day,
-- negative once expired).  Under "resale_evidence": "warn" the plugin only
-- warns about an expired certificate; this rule blocks the sale instead,
-- for account customers, and reminds the cashier a month ahead.
local REMIND_DAYS = 30

return {
  on_total = function(sale, decision)
    local c = sale.customer
    local acct = c and c.account
    if not acct or decision.resale_lines == 0 then return nil end
    local block, receipt = {}, {}
    for _, e in ipairs(c.evidence) do
      if e.kind == "resale_cert" and e.days_left then
        if e.days_left < 0 then
          block[#block + 1] = ("Account %s: the %s resale certificate expired on %s; "
            .. "update the account or sell without resale"):format(acct.id, e.state, e.expires)
        elseif e.days_left <= REMIND_DAYS then
          receipt[#receipt + 1] = ("Resale certificate %s expires in %d days")
            :format(e.state, e.days_left)
        end
      end
    end
    if #block == 0 and #receipt == 0 then return nil end
    return { block = #block > 0 and block or nil, receipt = #receipt > 0 and receipt or nil }
  end,

  -- Keep with the sale which account version it was made under.
  on_complete = function(sale)
    local acct = sale.customer and sale.customer.account
    if acct then return { account = acct.id, account_version = acct.version } end
  end,
}
