-- wrk script of the "sms" benchmark: signed inbound SMS to POST /sms/inbound.
--
-- wrk -s bench/sms.lua URL -- BODIES_FILE THREADS
--
-- BODIES_FILE has one request per line: "<hex HMAC-SHA256 signature> <JSON body>", signed by
-- bench/sms.py (LuaJIT has no HMAC), in sending order: round after round over every phone. Thread
-- i (of n) takes the lines i, i+n, i+2n...; with an even number of phones each phone's lines stay
-- in one thread, in order, a whole round apart, so a phone's readings only grow.
-- done() prints the exact 99th percentile and the HTTP statuses seen, for bench/sms.py.

local threads = {}

function setup(thread)
   thread:set("tid", #threads)
   table.insert(threads, thread)
end

function init(args)
   local path = args[1]
   local nthreads = tonumber(args[2])
   bodies = {}
   local i = 0
   for line in io.lines(path) do
      if i % nthreads == tid then
         local signature, body = line:match("^(%x+) (.*)$")
         table.insert(bodies, { signature = signature, body = body })
      end
      i = i + 1
   end
   if #bodies == 0 then
      error("thread " .. tid .. " has no bodies in " .. path)
   end
   nxt = 0
   statuses = {}
end

function request()
   nxt = nxt % #bodies + 1
   local b = bodies[nxt]
   return wrk.format("POST", "/sms/inbound", {
      ["Content-Type"] = "application/json",
      ["X-Signature"] = b.signature,
   }, b.body)
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
