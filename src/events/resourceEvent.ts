/**
 * Resource events from an Azure subscription system topic, in either delivery schema, reduced to
 * what the guardrail needs. Parsing goes through `@azure/eventgrid`'s deserializer, which checks the
 * envelope; malformed events become an `InputError` naming the field, never a crash.
 */
import { EventGridDeserializer, type CloudEvent, type EventGridEvent } from "@azure/eventgrid";
import { isArmId } from "../model/armId.js";
import { InputError } from "../model/errors.js";

export type ResourceEventKind = "write" | "delete" | "action";

export interface ResourceEvent {
  id: string;
  /** `Microsoft.Resources.ResourceWriteSuccess` and so on. */
  eventType: string;
  kind: ResourceEventKind;
  /** The subject: the id of the resource that changed (Event Grid lower-cases `resourcegroups`). */
  subject: string;
  /** `data.resourceUri` when present (the id as the caller wrote it), else the subject. */
  resourceId: string;
  operationName: string | undefined;
  time: string;
  correlationId: string | undefined;
  /** Who made the change, from the event's JWT claims. */
  caller: { objectId?: string; appId?: string; name?: string };
  schema: "EventGridSchema" | "CloudEventSchemaV1_0";
}

const EVENT_KINDS: Record<string, ResourceEventKind> = {
  "microsoft.resources.resourcewritesuccess": "write",
  "microsoft.resources.resourcedeletesuccess": "delete",
  "microsoft.resources.resourceactionsuccess": "action",
};

export const SUBSCRIPTION_VALIDATION_EVENT = "Microsoft.EventGrid.SubscriptionValidationEvent";

const deserializer = new EventGridDeserializer();

function str(value: unknown): string | undefined {
  return typeof value === "string" && value.length > 0 ? value : undefined;
}

/** True for the event types that mean a resource changed (Failure and Cancel events change nothing). */
export function isResourceChangeEventType(eventType: string): boolean {
  return eventType.toLowerCase() in EVENT_KINDS;
}

function fromEnvelope(
  id: string,
  eventType: string,
  subject: string | undefined,
  time: string,
  data: unknown,
  schema: ResourceEvent["schema"],
  label: string,
): ResourceEvent {
  const kind = EVENT_KINDS[eventType.toLowerCase()];
  if (!kind) throw new InputError(`${label}: eventType: "${eventType}" is not a resource change event`);
  const d = (data ?? {}) as Record<string, unknown>;
  if (data !== undefined && (data === null || typeof data !== "object" || Array.isArray(data))) {
    throw new InputError(`${label}: data: expected an object`);
  }
  const resourceId = str(d["resourceUri"]) ?? subject;
  if (!resourceId) throw new InputError(`${label}: subject: missing (and no data.resourceUri)`);
  if (!isArmId(resourceId)) throw new InputError(`${label}: ${str(d["resourceUri"]) ? "data.resourceUri" : "subject"}: not an ARM resource id`);
  const claims = (d["claims"] ?? {}) as Record<string, unknown>;
  const objectId = str(claims["http://schemas.microsoft.com/identity/claims/objectidentifier"]) ?? str(claims["oid"]);
  const appId = str(claims["appid"]) ?? str(claims["azp"]);
  const name = str(claims["name"]) ?? str(claims["http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn"]);
  return {
    id,
    eventType,
    kind,
    subject: subject ?? resourceId,
    resourceId,
    operationName: str(d["operationName"]),
    time,
    correlationId: str(d["correlationId"]),
    caller: { ...(objectId ? { objectId } : {}), ...(appId ? { appId } : {}), ...(name ? { name } : {}) },
    schema,
  };
}

/**
 * Parses one delivered event (an object as the Functions Event Grid trigger hands it over, or as
 * received over HTTP) in the Event Grid schema or CloudEvents 1.0.
 */
export async function parseResourceEvent(raw: unknown, label = "event"): Promise<ResourceEvent> {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) throw new InputError(`${label}: (root): expected an event object`);
  const r = raw as Record<string, unknown>;
  try {
    if (r["specversion"] !== undefined) {
      const [event] = (await deserializer.deserializeCloudEvents(r)) as Array<CloudEvent<unknown>>;
      return fromEnvelope(event!.id, event!.type, event!.subject, new Date(event!.time ?? Date.now()).toISOString(), event!.data, "CloudEventSchemaV1_0", label);
    }
    const [event] = (await deserializer.deserializeEventGridEvents(r)) as Array<EventGridEvent<unknown>>;
    return fromEnvelope(event!.id, event!.eventType, event!.subject, new Date(event!.eventTime).toISOString(), event!.data, "EventGridSchema", label);
  } catch (error) {
    if (error instanceof InputError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new InputError(`${label}: not a valid Event Grid or CloudEvents event: ${reason}`);
  }
}
