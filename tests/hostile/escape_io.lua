-- SPDX-License-Identifier: MIT
-- hostile: read a file of the host
-- expect: sale global 'io'
return {
  on_total = function(sale)
    local f = io.open("/etc/passwd")
    return { receipt = { f:read("l") } }
  end,
}
