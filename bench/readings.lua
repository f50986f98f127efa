-- wrk script of the "readings" benchmark: portal submissions of single-rate meters.
--
-- wrk -s bench/readings.lua URL -H "Cookie: ..." -H "X-CSRFToken: ..." -H "Referer: ..." -- METERS_FILE THREADS
--
-- METERS_FILE has one line per meter: "<account number> <meter id> <last accepted value>".
-- Every wrk thread has its own Lua state; thread i (of n) takes the lines i, i+n, i+2n... so no
-- two threads submit for one meter, and within a thread each meter's value only grows (by 1-5
-- kWh per submission), so every request is a reading the rules accept.
-- done() prints the exact 99th percentile and the HTTP statuses seen, for bench/readings.py.

dofile((debug.getinfo(1, "S").source:sub(2):match("^(.*/)") or "./") .. "wrk_common.lua")

function init(args)
   local path = args[1]
   local nthreads = tonumber(args[2]) -- setup() ran in another Lua state: its table is not here
   meters = {}
   local i = 0
   for line in io.lines(path) do
      if i % nthreads == tid then
         local account, meter, value = line:match("^(%d+) (%d+) (%d+)")
         table.insert(meters, { path = "/a/" .. account .. "/meters/" .. meter .. "/readings/", value = tonumber(value) })
      end
      i = i + 1
   end
   if #meters == 0 then
      error("thread " .. tid .. " has no meters in " .. path)
   end
   nxt = 0
   statuses = {}
   wrk.method = "POST"
   wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
end

function request()
   nxt = nxt % #meters + 1
   local m = meters[nxt]
   m.value = m.value + 1 + (nxt + m.value) % 5
   return wrk.format("POST", m.path, nil, "total=" .. m.value .. "&action=submit")
end
