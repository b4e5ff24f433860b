-- SPDX-License-Identifier: MIT
-- A store rule that crashes in on_total for every sale with beans (a
-- field that is not there), under the store's fail_open: the sales are
-- recorded with the failure (script_errors).  tests/test_allocfail.c.
return {
  on_total = function(sale)
    for _, l in ipairs(sale.lines) do
      if l.sku == "BEAN" then
        return { treatment = l.details.weight_kg > 10 and "standard" or nil }
      end
    end
  end,
}
