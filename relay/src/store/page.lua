-- One page of a room's history: room_log::query (core/src/room_log.cpp).
-- A room Redis does not hold answers nothing: the relay's page then has no
-- epoch, as for a room a relay alone does not hold.
--
-- KEYS: 1 epoch, 2 seq, 3 log, 4 removed seqs, 5 reactions
-- ARGV: 1 mode (before|after|latest), 2 position (unused for latest),
--       3 limit (already capped at the page maximum)
-- Reply: epoch, latest seq, then the page; or nothing

local epoch = redis.call('GET', KEYS[1])
if not epoch then return {} end
local limit = tonumber(ARGV[3])
local history = {log = KEYS[3], removed = KEYS[4], reactions = KEYS[5]}
local page
if ARGV[1] == 'before' then
  page = before_page(history, tonumber(ARGV[2]), limit)
elseif ARGV[1] == 'after' then
  page = after_page(history, tonumber(ARGV[2]), limit)
else
  page = latest_page(history, limit, false)
end
local reply = {epoch, tonumber(redis.call('GET', KEYS[2]) or '0')}
for _, value in ipairs(page) do reply[#reply + 1] = value end
return reply
