-- SPDX-License-Identifier: MIT
-- hostile: reach the module loader through package
-- expect: sale global 'package'
return {
  on_total = function(sale)
    return package.loadlib("libc.so.6", "system")
  end,
}
