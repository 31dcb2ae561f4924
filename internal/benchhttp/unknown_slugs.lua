-- wrk script of the negative-cache check: GET resolve for slugs picked at random from a bounded set that no
-- organization has, so every request reaches resolve's cache and, the first time a slug is
-- asked within the negative TTL, the database. The set is a file of one slug per line, given
-- after wrk's "--":  wrk -s unknown_slugs.lua 'http://host/…/resolve?slug=' -- slugs.txt
-- Requests are formatted once in init: formatting per request would spend the CPU wrk
-- shares with the server on string building.

local requests = {}
local threads = 0

-- setup runs in wrk's main state, once per thread: give each thread its own seed.
function setup(thread)
  threads = threads + 1
  thread:set("seed", threads)
end

function init(args)
  local f = assert(io.open(args[1], "r"))
  for slug in f:lines() do
    requests[#requests + 1] = wrk.format("GET", wrk.path .. slug)
  end
  f:close()
  assert(#requests > 0, "no slugs in " .. args[1])
  math.randomseed(os.time() * 1000 + seed)
end

function request()
  return requests[math.random(#requests)]
end
