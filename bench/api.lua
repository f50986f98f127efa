-- wrk script of the "api" benchmark: readings submitted through the REST API with a personal token.
--
-- wrk -s bench/api.lua URL -H "Authorization: Bearer abn_..." -- METERS_FILE THREADS RUN
--
-- METERS_FILE has one line per meter: "<account number> <meter id> <last accepted value>".
-- As bench/readings.lua: thread i (of n) takes the lines i, i+n, i+2n..., values only grow. Every
-- request carries its own Idempotency-Key (RUN-thread-counter), as a client must.

dofile((debug.getinfo(1, "S").source:sub(2):match("^(.*/)") or "./") .. "wrk_common.lua")

function init(args)
   local path = args[1]
   local nthreads = tonumber(args[2])
   run = args[3]
   meters = {}
   local i = 0
   for line in io.lines(path) do
      if i % nthreads == tid then
         local account, meter, value = line:match("^(%d+) (%d+) (%d+)")
         table.insert(meters, {
            path = "/api/v1/accounts/" .. account .. "/meters/" .. meter .. "/readings/",
            value = tonumber(value),
         })
      end
      i = i + 1
   end
   if #meters == 0 then
      error("thread " .. tid .. " has no meters in " .. path)
   end
   nxt = 0
   sent = 0
   statuses = {}
   wrk.method = "POST"
   wrk.headers["Content-Type"] = "application/json"
end

function request()
   nxt = nxt % #meters + 1
   sent = sent + 1
   local m = meters[nxt]
   m.value = m.value + 1 + (nxt + m.value) % 5
   -- wrk.format uses the given table instead of wrk.headers (the -H ones): copy them in.
   local headers = { ["Idempotency-Key"] = run .. "-" .. tid .. "-" .. sent }
   for name, value in pairs(wrk.headers) do
      headers[name] = value
   end
   return wrk.format("POST", m.path, headers, '{"values": {"total": "' .. m.value .. '"}}')
end
