-- SPDX-License-Identifier: MIT
-- hostile: an endless loop at load time (stopped by the load budget)
-- expect: load time budget of 200 ms (config.scripts.load_ms)
while true do end
return {}
