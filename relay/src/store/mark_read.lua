-- Moving a user's read marker forward: room_log::mark_read
-- (core/src/room_log.cpp), with the same pruning of markers older than the
-- history, so the hash holds only users whose marker still points into it.
--
-- KEYS: 1 seq, 2 read markers (hash by user), 3 log, 4 the markers' count
--       after the last pruning
-- ARGV: 1 user id, 2 seq
-- Reply: the marker's new place, or -1 when it did not move

local latest = tonumber(redis.call('GET', KEYS[1]) or '0')
local target = math.min(tonumber(ARGV[2]), latest)
local current = redis.call('HGET', KEYS[2], ARGV[1])
if target <= tonumber(current or '0') then return -1 end
if not current then
  local pruned_at = tonumber(redis.call('GET', KEYS[4]) or '0')
  if redis.call('HLEN', KEYS[2]) >= math.max(64, 2 * pruned_at) then
    local oldest = first_seq(KEYS[3])
    local markers = redis.call('HGETALL', KEYS[2])
    for i = 1, #markers, 2 do
      if tonumber(markers[i + 1]) < oldest then redis.call('HDEL', KEYS[2], markers[i]) end
    end
    redis.call('SET', KEYS[4], redis.call('HLEN', KEYS[2]))
  end
end
redis.call('HSET', KEYS[2], ARGV[1], target)
return target
