-- SPDX-License-Identifier: MIT
-- hostile: run a command on the host
-- expect: sale global 'os'
return {
  on_tag = function(sale, tag)
    os.execute("touch /tmp/pwned")
  end,
}
