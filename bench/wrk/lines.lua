-- wrk script: send GET requests whose paths (with query) are the lines of a file, in order, round and
-- round. bench/wrkreq writes such files (signed KooGallery getLicense requests, fresh per run).
--
--   wrk -t1 -c32 -d5s -s bench/wrk/lines.lua http://127.0.0.1:PORT -- FILE
--
-- Every request is formatted once, in init, so the client does no work per request beyond picking the
-- next one: on a 2-core machine whatever the client spends is taken from the server under test.

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
   local f = assert(io.open(args[1], "r"), "cannot open " .. tostring(args[1]))
   for line in f:lines() do
      if line ~= "" then
         n = n + 1
         reqs[n] = wrk.format("GET", line)
      end
   end
   f:close()
   step = nthreads or 1
   i = (id or 1) - step -- the first request is entry id
   assert(n > 0, "no requests in " .. args[1])
end

function request()
   i = i + step
   if i > n then i = (i - 1) % n + 1 end
   return reqs[i]
end
