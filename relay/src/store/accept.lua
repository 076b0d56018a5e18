-- Accepting a send, in one atomic step for every relay sharing the room: the
-- decision of room_log::accept (core/src/room_log.cpp), which the contract
-- tests hold this script to. In that order: dedupe, the text verdict, a
-- removal's or a reaction's target, a moderator's mute, the rate limits,
-- then the next seq, the history capped by count and bytes, and the message
-- on the room's channel.
--
-- KEYS: 1 epoch, 2 seq, 3 log (stream), 4 the log's bytes, 5 accepted ids
--       (hash id -> "seq ts user"), 6 their order (list, oldest first),
--       7 the user's bucket in the room, 8 the user's bucket across rooms,
--       9 the user's mute in the room (when it ends, ms; redis_log::mute),
--       10 the seqs of removed messages (set; pages.lua serves them as
--       tombstones: a stream entry cannot be rewritten), 11 messages'
--       reactions (hash seq -> {"seq": the last reaction's, "r": [{"e": emoji,
--       "u": [users]}]}, as apply_reaction keeps them)
-- ARGV: 1 an epoch for a new room, 2 message id, 3 user id, 4 "1" when the
--       text was refused, 5 the wait an earlier refused send holds this
--       one back (ms), 6 "1" for the host's backend (no rate limits),
--       7 now (ms), 8-9 room bucket burst and refill interval, 10-11 the
--       same across rooms (burst 0: none), 12 max messages, 13 max bytes,
--       14 ids remembered, 15 the message as stored, 16 its charge in
--       bytes, 17 the room's channel, where it goes as "<seq> <epoch> <message>",
--       18 the seq a removal removes ("" for a message), 19 "1" when the
--       sender may remove anyone's message, 20 the seq a reaction is to (""
--       for none), 21 its emoji, 22 "1" to add it, "0" to take it back
-- Reply: {"ack", epoch, seq, ts, 1 when a resend} | {"conflict"} | {"text"}
--        | {"no_such_message"} | {"not_moderator"} | {"muted", ms left}
--        | {"wait", ms}

redis.call('SET', KEYS[1], ARGV[1], 'NX')
local epoch = redis.call('GET', KEYS[1])
local id, user, now = ARGV[2], ARGV[3], tonumber(ARGV[7])

local earlier = redis.call('HGET', KEYS[5], id)
if earlier then
  local seq, ts, by = string.match(earlier, '^(%d+) (%-?%d+) (.*)$')
  if by ~= user then return {'conflict'} end
  return {'ack', epoch, tonumber(seq), tonumber(ts), 1}
end
if ARGV[4] == '1' then return {'text'} end
local removes, reacts = ARGV[18] ~= '', ARGV[20] ~= ''
if removes or reacts then
  local target_seq = removes and ARGV[18] or ARGV[20]
  local entry = target_seq .. '-0'
  local target = redis.call('XRANGE', KEYS[3], entry, entry)[1]
  if not target or redis.call('SISMEMBER', KEYS[10], target_seq) == 1 then return {'no_such_message'} end
  local stored = cjson.decode(target[2][2]).message
  if stored.removes or stored.reaction then return {'no_such_message'} end
  if removes and stored.from.id ~= user and ARGV[19] ~= '1' then return {'not_moderator'} end
end
-- A muted user may still take back what they wrote.
if ARGV[6] ~= '1' and not removes then
  local muted_until = tonumber(redis.call('GET', KEYS[9]) or '0')
  if muted_until > now then return {'muted', muted_until - now} end
end

-- A token bucket in milli-tokens, exactly as rate_limiter
-- (core/src/rate_limiter.cpp): stored as "milli_tokens carry last" and
-- expiring when full again, when it is the same as a new one.
local function bucket(key, burst, interval)
  local b = {key = key, burst = math.min(math.max(burst, 1), 1000000), interval = math.max(interval, 1)}
  local saved = redis.call('GET', key)
  if saved then
    local milli, carry, last = string.match(saved, '^(%-?%d+) (%d+) (%-?%d+)$')
    b.milli, b.carry, b.last = tonumber(milli), tonumber(carry), tonumber(last)
  else
    b.milli, b.carry, b.last = b.burst * 1000, 0, now
  end
  return b
end

local function ms_until(b, target)
  if b.milli >= target then return 0 end
  return math.floor(((target - b.milli) * b.interval - b.carry + 999) / 1000)
end

local function refill(b)
  if now <= b.last then
    b.last = now
    return
  end
  local elapsed = now - b.last
  b.last = now
  local capacity = b.burst * 1000
  if elapsed >= ms_until(b, capacity) then
    b.milli, b.carry = capacity, 0
    return
  end
  local gain = elapsed * 1000 + b.carry
  b.milli = b.milli + math.floor(gain / b.interval)
  b.carry = gain % b.interval
end

local function take(b)
  b.milli = b.milli - 1000
  redis.call('SET', b.key, string.format('%d %d %d', b.milli, b.carry, b.last),
             'PX', ms_until(b, b.burst * 1000))
end

if ARGV[6] ~= '1' then
  local buckets = {bucket(KEYS[7], tonumber(ARGV[8]), tonumber(ARGV[9]))}
  if tonumber(ARGV[10]) > 0 then buckets[2] = bucket(KEYS[8], tonumber(ARGV[10]), tonumber(ARGV[11])) end
  local wait = tonumber(ARGV[5])
  for _, b in ipairs(buckets) do
    refill(b)
    wait = math.max(wait, ms_until(b, 1000))
  end
  if wait > 0 then return {'wait', wait} end
  for _, b in ipairs(buckets) do take(b) end
end

local seq = redis.call('INCR', KEYS[2])
-- Before the caps are applied, which may evict the target at once.
if removes then
  redis.call('SADD', KEYS[10], ARGV[18])
  redis.call('HDEL', KEYS[11], ARGV[18])
end
if reacts then
  -- apply_reaction (core/src/reactions.cpp): one tally per emoji in the order
  -- first given, each user once; a tally left empty goes.
  local saved = redis.call('HGET', KEYS[11], ARGV[20])
  local state = saved and cjson.decode(saved) or {r = {}}
  local from = cjson.decode(ARGV[15]).message.from
  local emoji, found = ARGV[21], nil
  for i, tally in ipairs(state.r) do
    if tally.e == emoji then found = i end
  end
  if ARGV[22] == '1' then
    if not found then
      table.insert(state.r, {e = emoji, u = {from}})
    else
      local given = false
      for _, u in ipairs(state.r[found].u) do
        if u.id == from.id then given = true end
      end
      if not given then table.insert(state.r[found].u, from) end
    end
  elseif found then
    local kept = {}
    for _, u in ipairs(state.r[found].u) do
      if u.id ~= from.id then table.insert(kept, u) end
    end
    if #kept == 0 then table.remove(state.r, found) else state.r[found].u = kept end
  end
  state.seq = seq
  redis.call('HSET', KEYS[11], ARGV[20], cjson.encode(state))
end
local charge = tonumber(ARGV[16])
redis.call('XADD', KEYS[3], string.format('%d-0', seq), 'm', ARGV[15], 'b', ARGV[16])
local held = redis.call('XLEN', KEYS[3])
local bytes = redis.call('INCRBY', KEYS[4], charge)
-- The newest always stays.
while held > 1 and (held > tonumber(ARGV[12]) or bytes > tonumber(ARGV[13])) do
  local oldest = redis.call('XRANGE', KEYS[3], '-', '+', 'COUNT', 1)[1]
  redis.call('XDEL', KEYS[3], oldest[1])
  redis.call('SREM', KEYS[10], string.match(oldest[1], '^(%d+)-'))
  redis.call('HDEL', KEYS[11], string.match(oldest[1], '^(%d+)-'))
  bytes = redis.call('DECRBY', KEYS[4], tonumber(oldest[2][4]))
  held = held - 1
end

redis.call('HSET', KEYS[5], id, string.format('%d %s %s', seq, ARGV[7], user))
if redis.call('RPUSH', KEYS[6], id) > tonumber(ARGV[14]) then
  redis.call('HDEL', KEYS[5], redis.call('LPOP', KEYS[6]))
end

redis.call('PUBLISH', ARGV[17], string.format('%d %s %s', seq, epoch, ARGV[15]))
return {'ack', epoch, seq, now, 0}
