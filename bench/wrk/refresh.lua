-- wrk script: POST /v1/codes/refresh {"code":"…"} for the codes in a file (one per line, as
-- bench/populate --codes writes them), each from its own client address: the request for code k carries
-- X-Forwarded-For 10.a.b.c derived from k, which licentia believes only from a --trusted-proxy (run it
-- with --trusted-proxy 127.0.0.1/32). So the load is many buyers: distinct licenses and addresses.
--
--   wrk -t1 -c32 -d5s -s bench/wrk/refresh.lua http://127.0.0.1:PORT -- CODES_FILE [PATH]
--
-- Every request is formatted once, in init; the client only picks the next one.

local reqs, n, i, step = {}, 0, 0, 1

-- With more than one thread (-t), thread k of t sends entries k, k+t, k+2t, …: no entry is sent by two
-- threads in one round (a create line sent twice would be a resend the second time).
local threads = {}
function setup(thread)
   table.insert(threads, thread)
   thread:set("id", #threads)
   for _, t in ipairs(threads) do t:set("nthreads", #threads) end
end

function init(args)
   local path = args[2] or "/v1/codes/refresh"
   local f = assert(io.open(args[1], "r"), "cannot open " .. tostring(args[1]))
   for code in f:lines() do
      if code ~= "" then
         local k = n + 1
         local addr = string.format("10.%d.%d.%d", math.floor(k / 65536) % 256, math.floor(k / 256) % 256, k % 256)
         local headers = { ["Content-Type"] = "application/json", ["X-Forwarded-For"] = addr }
         n = k
         reqs[n] = wrk.format("POST", path, headers, '{"code":"' .. code .. '"}')
      end
   end
   f:close()
   step = nthreads or 1
   i = (id or 1) - step -- the first request is entry id
   assert(n > 0, "no codes in " .. args[1])
end

function request()
   i = i + step
   if i > n then i = (i - 1) % n + 1 end
   return reqs[i]
end
