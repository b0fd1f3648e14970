// The organizer whose actions tests drive through the services: the audit trail records them as the actor.
import type { Actor } from "../../src/services/audit.js";

export const ORGANIZER_ID = "100000000000000001";

export function organizer(id = ORGANIZER_ID, name = `Organizer ${id.slice(-4)}`): Actor {
  return { id, name };
}
