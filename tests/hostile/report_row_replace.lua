-- SPDX-License-Identifier: MIT
-- hostile: overwrite an accounting column of the report
-- expect: report_row may add columns, not replace 'net'
return {
  report_row = function(row)
    return { net = 0 }
  end,
}
