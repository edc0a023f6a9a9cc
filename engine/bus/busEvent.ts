/** A stored event: EventBridge's envelope (version, id, detail-type, source, account, time, region, resources, detail). */
export type BusEvent = Record<string, unknown> & { id: string };

/** Associated data of a stored event's ciphertext: its table and row. */
export const eventAad = (rowId: string): string => `bus_events|${rowId}`;
