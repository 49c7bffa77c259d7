/** Names of the queues between the functions (no SDK here: the function files import it at cold start). */
export const EVALUATION_QUEUE = "perimeter-evaluations";
/** The Functions host moves messages that keep failing to `{queue}-poison`; parked ones go there too, with a reason. */
export const POISON_QUEUE = `${EVALUATION_QUEUE}-poison`;
/** Events that cannot be parsed are parked here (never dropped). */
export const EVENT_POISON_QUEUE = "resource-events-poison";
