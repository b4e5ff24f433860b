-- SPDX-License-Identifier: MIT
-- hostile: raise a table instead of a message
-- expect: sale (error object is a table value)
return {
  validate_party = function(party, sale)
    error({ code = 42, message = "not a string" })
  end,
}
