/**
 * SIGINT (Ctrl+C) or SIGTERM (a service manager): the first stops the bridge gracefully (what
 * was read is sent), a second quits at once (the journal keeps what was not sent). Returns the
 * function that removes the handlers.
 */
export function onStopSignals(stop: () => void, beforeExit: () => void): () => void {
  let signals = 0;
  const handler = () => {
    signals++;
    if (signals > 1) {
      beforeExit();
      process.exit(130);
    }
    stop();
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return () => {
    process.off("SIGINT", handler);
    process.off("SIGTERM", handler);
  };
}
