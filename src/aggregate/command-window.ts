/**
 * The exactly-once window: a command sent again is recognised (answered with the events it stored,
 * nothing decided or written) while its events are among the last `COMMAND_WINDOW` events of its
 * stream, whatever the configuration (aggregate cache, snapshots, queue). Older, it is refused with
 * `CommandOutsideWindowError` when the events read show it.
 */
export const COMMAND_WINDOW = 256;
