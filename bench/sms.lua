-- wrk script of the "sms" benchmark: signed inbound SMS to POST /sms/inbound.
--
-- wrk -s bench/sms.lua URL -- BODIES_FILE THREADS
--
-- BODIES_FILE has one request per line: "<hex HMAC-SHA256 signature> <JSON body>", signed by
-- bench/sms.py (LuaJIT has no HMAC), in sending order: round after round over every phone. Thread
-- i (of n) takes the lines i, i+n, i+2n...; with an even number of phones each phone's lines stay
-- in one thread, in order, a whole round apart, so a phone's readings only grow.
-- done() prints the exact 99th percentile and the HTTP statuses seen, for bench/sms.py.

dofile((debug.getinfo(1, "S").source:sub(2):match("^(.*/)") or "./") .. "wrk_common.lua")

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
