/** The ptune edge API Worker: the prompt registry and task inference against the frozen model. */
import { app } from './app.js';

export { TaskRegistry } from './registry/task-registry.js';
export { TokenRegistry } from './registry/token-registry.js';
export { RateLimiter } from './middleware/rate-limiter.js';

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Env>;
