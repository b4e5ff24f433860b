-- SPDX-License-Identifier: MIT
-- hostile: compile code at run time (load / loadstring are not offered)
-- expect: sale global 'load'
return {
  on_total = function(sale)
    local f = load("return os.execute('id')")
    return f()
  end,
}
