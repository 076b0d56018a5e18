// The API of version.js, which the wasm build writes into the site from wasm/version.js.in.

/** The project's version ("major.minor.patch"), the relay's and the package's too. */
export const version: string;
