/** how often the Notifications page asks for fresh state */
export const POLL_MS = 3000;
