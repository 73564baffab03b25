import { createApp } from "./router";

export { SessionDO } from "./session/session-do";

const app = createApp();

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Env>;
