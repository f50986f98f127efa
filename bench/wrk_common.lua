-- What every wrk script of the benchmarks shares: each thread numbered (``tid``), HTTP statuses
-- counted, and done() printing the exact 99th percentile and the statuses for the Python side.
-- Loaded with dofile() from the script's own folder; the script defines init() and request().

local threads = {}

function setup(thread)
   thread:set("tid", #threads)
   table.insert(threads, thread)
end

function response(status, headers, body)
   statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
   io.write(string.format("P99_US=%d\n", latency:percentile(99)))
   local total = {}
   for _, thread in ipairs(threads) do
      local seen = thread:get("statuses")
      for code, n in pairs(seen or {}) do
         total[code] = (total[code] or 0) + n
      end
   end
   for code, n in pairs(total) do
      io.write(string.format("STATUS %d %d\n", code, n))
   end
end
