-- Who is connected to a room, on which relay: one entry per relay and user,
-- "<relay> <user id>", in KEYS[1] (a sorted set: when the entry expires, by
-- Redis's clock, so the relays' clocks need not agree) and KEYS[2] (a hash:
-- the user, as JSON). Each relay adds its users' entries and removes them,
-- and renews them every third of the lease; the entries of a relay that
-- died without a word expire, and whichever relay calls next removes them.
--
-- Every change is published on the room's channel, in one message, so each
-- relay learns them in the order they were made, among the room's messages:
--   presence[ all]
--   + <relay> <user JSON>     (one line per entry that came)
--   - <relay> <user JSON>     (one line per entry that went)
-- With " all" (asked for by a relay that just subscribed: it may have
-- missed anything before), the "+" lines are every entry, which replace
-- what was known.
--
-- ARGV: the room's channel, the calling relay, the lease in ms, the keys'
-- expiry in ms (the room's, touch.lua), "1" to publish every entry, then
-- per change of the relay's own users: "+" or "-", the user id, the user
-- (JSON).

local channel, relay, lease, ttl, all = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4], ARGV[5] == '1'
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)

local lines = {}
for i = 6, #ARGV, 3 do
  local entry = relay .. ' ' .. ARGV[i + 1]
  if ARGV[i] == '+' then
    local came = redis.call('ZADD', KEYS[1], now + lease, entry) == 1
    redis.call('HSET', KEYS[2], entry, ARGV[i + 2])
    if came and not all then lines[#lines + 1] = '+ ' .. relay .. ' ' .. ARGV[i + 2] end
  elseif redis.call('ZREM', KEYS[1], entry) == 1 then
    redis.call('HDEL', KEYS[2], entry)
    if not all then lines[#lines + 1] = '- ' .. relay .. ' ' .. ARGV[i + 2] end
  end
end

for _, entry in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)) do
  local user = redis.call('HGET', KEYS[2], entry)
  redis.call('ZREM', KEYS[1], entry)
  redis.call('HDEL', KEYS[2], entry)
  if user and not all then
    lines[#lines + 1] = '- ' .. string.sub(entry, 1, string.find(entry, ' ', 1, true) - 1) .. ' ' .. user
  end
end

-- Like every key of the room: gone if no relay keeps the room any more.
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('PEXPIRE', KEYS[2], ttl)

if all then
  local entries = redis.call('HGETALL', KEYS[2])
  for i = 1, #entries, 2 do
    local entry = entries[i]
    lines[#lines + 1] = '+ ' .. string.sub(entry, 1, string.find(entry, ' ', 1, true) - 1) .. ' ' .. entries[i + 1]
  end
  redis.call('PUBLISH', channel, 'presence all\n' .. table.concat(lines, '\n'))
elseif #lines > 0 then
  redis.call('PUBLISH', channel, 'presence\n' .. table.concat(lines, '\n'))
end
return #lines
