/** utc returns the RFC 3339 UTC text of a unix time, as the Go verifier writes it in messages. */
export function utc(sec) {
  const d = new Date(sec * 1000);
  return Number.isNaN(d.getTime()) ? `unix ${sec}` : d.toISOString().replace(/\.000Z$/, 'Z');
}
