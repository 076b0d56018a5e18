// For the type check of web/ (tsconfig.json). The DOM library types clearTimeout() and
// clearInterval() as taking `number | undefined`; the HTML standard takes any value and does
// nothing for one that names no timer, and web/ keeps `null` in a timer field that is not armed.
declare function clearTimeout(id: number | null | undefined): void;
declare function clearInterval(id: number | null | undefined): void;
