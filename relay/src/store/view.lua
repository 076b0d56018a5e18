-- What a connection joining a room learns: room_log::view
-- (core/src/room_log.cpp). A room seen for the first time (or again after
-- Redis lost it) begins here, in the epoch the relay drew for it.
--
-- KEYS: 1 epoch, 2 seq, 3 log, 4 read markers (hash by user), 5 removed seqs,
--       6 the user's mute in the room (when it ends, ms; it expires then),
--       7 reactions
-- ARGV: 1 an epoch for a new room, 2 user id, 3 since ("" when none),
--       4 the epoch the client names ("" when none), 5 page size
-- Reply: epoch, latest seq, read seq, mute end (0: none), mode
--        (latest|after), then the page

redis.call('SET', KEYS[1], ARGV[1], 'NX')
local epoch = redis.call('GET', KEYS[1])
local latest = tonumber(redis.call('GET', KEYS[2]) or '0')
local read = tonumber(redis.call('HGET', KEYS[4], ARGV[2]) or '0')
local page_size = tonumber(ARGV[5])
local head = {epoch, latest, read, tonumber(redis.call('GET', KEYS[6]) or '0')}
local history = {log = KEYS[3], removed = KEYS[5], reactions = KEYS[7]}

local page, mode
if ARGV[3] == '' then
  mode, page = 'latest', latest_page(history, page_size, false)
else
  local since = tonumber(ARGV[3])
  local held
  if ARGV[4] ~= '' then held = ARGV[4] == epoch else held = since <= latest end
  if held then
    mode, page = 'after', after_page(history, since, page_size)
  else
    -- The position counts in a sequence this room does not hold.
    mode, page = 'after', latest_page(history, page_size, true)
  end
end
head[5] = mode
for _, value in ipairs(page) do head[#head + 1] = value end
return head
