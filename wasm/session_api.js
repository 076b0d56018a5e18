// --post-js: the ChatSession of roomchat.d.ts over bindings.cpp's embind ChatSession
// (chat_session.hpp), which has the same methods but speaks JSON text.
// Structured values arrive as JSON text and leave here as plain objects, so
// errors are values and nothing of the C++ object leaks to the caller.
Module['errorCodes'] = () => JSON.parse(Module['errorCodesJson']());
// embind insists on every argument; the wait is optional here.
Module['errorMessage'] = (code, retryAfterMs = 0) => Module['errorMessageAfter'](code, retryAfterMs);

Module['createSession'] = function (config) {
  const core = new Module['ChatSession'](config.room, config.token, config.pageSize || 0, config.maxTimeline || 0);
  return {
    start: (now) => core.start(now),
    transportOpened: (now) => core.transportOpened(now),
    transportClosed: (now) => core.transportClosed(now),
    networkChanged: (online, now) => core.networkChanged(online, now),
    receive: (frameText, now) => core.receive(frameText, now),
    httpResponse: (id, status, body, now) => core.httpResponse(id, status, body, now),
    onTimer: (now) => core.onTimer(now),
    nextDeadline: () => JSON.parse(core.nextDeadline()),

    // No mediaTime, or not a number: the message carries no playback position.
    send: (text, now, mediaTime) => JSON.parse(core.send(text, now, typeof mediaTime === 'number' ? mediaTime : NaN)),
    retry: (id, now) => JSON.parse(core.retry(id, now)),
    markRead: (seq, now) => core.markRead(seq, now),
    setWatching: (watching, now) => core.setWatching(watching, now),
    loadOlder: (now) => core.loadOlder(now),
    setToken: (token, now) => core.setToken(token, now),
    stop: (now) => core.stop(now),
    // undefined is not JSON: it reads as the wrong type, like any non-array.
    restore: (messages, now) => JSON.parse(core.restore(JSON.stringify(messages) ?? 'null', now)),

    takeFrames: () => JSON.parse(core.takeFrames()),
    takeEvents: () => JSON.parse(core.takeEvents()),

    validate: (text, now) => JSON.parse(core.validate(text, now)),
    rateWaitMs: (now) => core.rateWaitMs(now),
    state: () => core.state(),
    unreadCount: () => core.unreadCount(),
    timeline: () => JSON.parse(core.timeline()),
    timelineLatest: (count) => JSON.parse(core.timelineLatest(count)),
    timelineFrom: (fromSeq, count) => JSON.parse(core.timelineFrom(fromSeq, count)),
    timelineBefore: (beforeSeq, count) => JSON.parse(core.timelineBefore(beforeSeq, count)),
    older: () => core.older(),
    pending: () => JSON.parse(core.pending()),
    self: () => JSON.parse(core.self()),

    delete: () => core.delete(),
  };
};
