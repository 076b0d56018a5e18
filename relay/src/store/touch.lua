-- Keeps the rooms a relay holds: every key of each (KEYS) expires ARGV[1]
-- milliseconds from now, so a room no relay holds any more is gone that
-- long after the last one let it go (or died), as a relay's own rooms are
-- dropped --room-idle-ttl-ms after their last member left.

for _, key in ipairs(KEYS) do redis.call('PEXPIRE', key, ARGV[1]) end
return #KEYS
