-- Paging a room's history, shared by view.lua and page.lua (prepended to
-- each when the relay loads them). The same pages as history_ring
-- (core/src/history.cpp): the log is a Stream whose entry ids are
-- "<seq>-0", each entry holding the message as stored (field m) and its
-- charge against the byte cap (field b). A page is returned flat: has_more,
-- truncated, then seq, message, 1 when it was removed (accept.lua's set
-- of removed seqs; the relay serves its tombstone) and its reactions
-- (accept.lua's JSON, "" for none) for each entry, oldest first. The paging
-- functions take the history as {log = the stream's key, removed = the
-- removed seqs' key, reactions = the reactions' key}.

local function seq_of(entry_id)
  return tonumber(string.match(entry_id, '^(%d+)-'))
end

local function first_seq(log)
  local oldest = redis.call('XRANGE', log, '-', '+', 'COUNT', 1)[1]
  if oldest then return seq_of(oldest[1]) end
  return 0
end

local function last_seq(log)
  local newest = redis.call('XREVRANGE', log, '+', '-', 'COUNT', 1)[1]
  if newest then return seq_of(newest[1]) end
  return 0
end

-- Entries (newest first when reversed) as the flat page reply.
local function page_reply(history, entries, reversed, has_more, truncated)
  local reply = {has_more and 1 or 0, truncated and 1 or 0}
  local from, to, step = 1, #entries, 1
  if reversed then from, to, step = #entries, 1, -1 end
  for i = from, to, step do
    local seq = seq_of(entries[i][1])
    reply[#reply + 1] = seq
    reply[#reply + 1] = entries[i][2][2]
    local seq_text = string.match(entries[i][1], '^(%d+)-')
    reply[#reply + 1] = redis.call('SISMEMBER', history.removed, seq_text)
    reply[#reply + 1] = redis.call('HGET', history.reactions, seq_text) or ''
  end
  return reply
end

-- The newest `limit` messages.
local function latest_page(history, limit, truncated)
  local held = redis.call('XLEN', history.log)
  if limit == 0 then return page_reply(history, {}, false, held > 0, truncated) end
  local got = redis.call('XREVRANGE', history.log, '+', '-', 'COUNT', limit)
  return page_reply(history, got, true, #got < held, truncated)
end

-- Everything after `since`, at most `limit`; the latest page, truncated,
-- when messages after `since` fell out of the history.
local function after_page(history, since, limit)
  local first = first_seq(history.log)
  if first > 0 and since < first - 1 then return latest_page(history, limit, true) end
  -- A position at or past the newest (or beyond any number Redis ids can
  -- hold) has nothing after it.
  if limit == 0 or since >= last_seq(history.log) then return page_reply(history, {}, false, false, false) end
  local got = redis.call('XRANGE', history.log, string.format('%d-0', since + 1), '+', 'COUNT', limit)
  return page_reply(history, got, false, false, false)
end

-- Up to `limit` messages immediately before `before`.
local function before_page(history, before, limit)
  local first = first_seq(history.log)
  local available = first > 0 and first < before
  if limit == 0 or not available then return page_reply(history, {}, false, available, false) end
  local upper = '+'
  if before <= last_seq(history.log) then upper = string.format('%d-0', before - 1) end
  local got = redis.call('XREVRANGE', history.log, upper, '-', 'COUNT', limit)
  return page_reply(history, got, true, seq_of(got[#got][1]) > first, false)
end
