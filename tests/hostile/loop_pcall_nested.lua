-- SPDX-License-Identifier: MIT
-- hostile: pcall inside pcall inside a loop, each level swallowing errors and retrying
-- expect: sale time budget of 50 ms exceeded
local function stubborn(depth)
  if depth == 0 then while true do end end
  while true do
    pcall(stubborn, depth - 1)
  end
end
return {
  on_tag = function(sale, tag)
    pcall(stubborn, 5)
    return nil
  end,
}
