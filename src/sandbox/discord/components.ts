// What a member can do with the components the bot sent: find a button or select menu on a message,
// check the values a member picks, and fill in an open modal. Errors here are the test's mistakes
// (clicking a button that is not there), so they throw plain Errors with a clear message.
import type { Member, StoredMessage } from "./types.js";
import type { World } from "./world.js";

const fail = (msg: string): never => {
  throw new Error(`Discord emulator: ${msg}`);
};

/** Every component of a message, depth-first (rows, v2 containers, section accessories, label contents). */
export function allComponents(components: any[]): any[] {
  const out: any[] = [];
  const walk = (c: any) => {
    if (!c || typeof c !== "object") return;
    out.push(c);
    for (const child of c.components ?? []) walk(child);
    if (c.accessory) walk(c.accessory);
    if (c.component) walk(c.component);
  };
  components.forEach(walk);
  return out;
}

export function findInteractive(message: StoredMessage, customId: string, kind: "button" | "select"): any {
  if (message.deleted) fail(`message ${message.id} was deleted`);
  const found = allComponents(message.components).find((c) => c.custom_id === customId);
  const ids = allComponents(message.components)
    .filter((c) => c.custom_id)
    .map((c) => c.custom_id);
  if (!found) fail(`message ${message.id} has no component "${customId}" (it has: ${ids.join(", ") || "none"})`);
  const isButton = found.type === 2;
  if (kind === "button" && !isButton) fail(`"${customId}" is not a button (type ${found.type})`);
  if (kind === "select" && ![3, 5, 6, 7, 8].includes(found.type))
    fail(`"${customId}" is not a select menu (type ${found.type})`);
  if (found.disabled) fail(`"${customId}" is disabled`);
  return found;
}

/** Checks picked values against the select menu and builds `values` (+ `resolved` for entity selects). */
export function selectData(world: World, menu: any, values: string[]): Record<string, unknown> {
  const min = menu.min_values ?? 1;
  const max = menu.max_values ?? 1;
  if (values.length < min || values.length > max)
    fail(`select "${menu.custom_id}" takes ${min}..${max} values, got ${values.length}`);
  const resolved: Record<string, Record<string, unknown>> = {};
  if (menu.type === 3) {
    const allowed = (menu.options ?? []).map((o: any) => o.value);
    for (const v of values)
      if (!allowed.includes(v))
        fail(`select "${menu.custom_id}" has no option "${v}" (options: ${allowed.join(", ")})`);
  } else {
    for (const v of values) {
      const member = world.member(v);
      const role = world.roles.get(v);
      const channel = world.channels.get(v);
      if ((menu.type === 5 || menu.type === 7) && member) {
        (resolved.users ??= {})[v] = member.user;
        (resolved.members ??= {})[v] = {
          ...world.apiMember(member, false),
          permissions: world.guildPermissions(member).toString(),
        };
      } else if ((menu.type === 6 || menu.type === 7) && role) {
        (resolved.roles ??= {})[v] = world.apiRole(role);
      } else if (menu.type === 8 && channel?.guildId) {
        (resolved.channels ??= {})[v] = { id: v, name: channel.name, type: channel.type, permissions: "0" };
      } else {
        fail(`select "${menu.custom_id}" (type ${menu.type}) cannot pick "${v}"`);
      }
    }
  }
  return {
    custom_id: menu.custom_id,
    component_type: menu.type,
    values,
    ...(Object.keys(resolved).length ? { resolved } : {}),
  };
}

export interface OpenModal {
  modal: any;
  channelId: string;
  message?: StoredMessage;
}

/** The MODAL_SUBMIT `components`, mirroring the modal's layout, from the member's answers. */
export function modalSubmitComponents(modal: any, fields: Record<string, string | string[]>): any[] {
  const declared = allComponents(modal.components).filter((c) => c.custom_id);
  for (const key of Object.keys(fields)) {
    if (!declared.some((c) => c.custom_id === key)) {
      fail(`modal "${modal.custom_id}" has no input "${key}" (inputs: ${declared.map((c) => c.custom_id).join(", ")})`);
    }
  }
  const answer = (c: any): any => {
    const given = fields[c.custom_id];
    if (c.type === 4) {
      const value = Array.isArray(given) ? fail(`input "${c.custom_id}" takes a string`) : (given ?? "");
      if (c.required !== false && value === "") fail(`input "${c.custom_id}" is required`);
      if (value !== "" && value.length < (c.min_length ?? 0))
        fail(`input "${c.custom_id}" needs at least ${c.min_length} characters`);
      if (value.length > (c.max_length ?? 4000))
        fail(`input "${c.custom_id}" takes at most ${c.max_length ?? 4000} characters`);
      return { type: 4, ...(c.id !== undefined ? { id: c.id } : {}), custom_id: c.custom_id, value };
    }
    const values = given === undefined ? [] : Array.isArray(given) ? given : [given];
    if (c.type === 3) {
      const allowed = (c.options ?? []).map((o: any) => o.value);
      for (const v of values) if (!allowed.includes(v)) fail(`select "${c.custom_id}" has no option "${v}"`);
    }
    if (c.required !== false && values.length === 0) fail(`"${c.custom_id}" is required`);
    return { type: c.type, ...(c.id !== undefined ? { id: c.id } : {}), custom_id: c.custom_id, values };
  };
  return (modal.components as any[]).map((top) => {
    const id = top.id !== undefined ? { id: top.id } : {};
    if (top.type === 1) return { type: 1, ...id, components: top.components.map(answer) };
    if (top.type === 18) return { type: 18, ...id, component: answer(top.component) };
    return { type: top.type, ...id };
  });
}

export function assertMember(world: World, member: Member): Member {
  return world.member(member.id) ?? fail(`${member.username} (${member.id}) is not a member of the guild`);
}
