import { createApp } from "./router";
import { runScheduledPurge } from "./scheduled/purge";

export { SessionDO } from "./session/session-do";

const app = createApp();

export default {
  fetch: app.fetch,
  scheduled: async (controller, env, _ctx) => {
    await runScheduledPurge(env, controller.scheduledTime);
  },
} satisfies ExportedHandler<Env>;
