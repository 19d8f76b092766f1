-- GET /api/v1/notes/{id}, each request for an id drawn at random from the ids given after
-- `--` (the notes seeded before the run):  wrk ... -s get_note.lua URL -- 1 2 3 ...
local threads = 0

function setup(thread)
   threads = threads + 1
   thread:set("thread_number", threads)
end

function init(args)
   math.randomseed(os.time() * 1000 + thread_number)
   requests = {}
   for i, id in ipairs(args) do
      requests[i] = wrk.format("GET", "/api/v1/notes/" .. id)
   end
   assert(#requests > 0, "give the note ids after --")
end

function request()
   return requests[math.random(#requests)]
end
