// Strict checks of what the bot sends, with Discord's limits and its 50035 error tree
// ({ field: { 0: { sub: { _errors: [{ code, message }] } } } }). A lenient server would let a bot pass
// tests that Discord itself would reject.
import { HttpError, invalidFormBody } from "./http.js";

type Path = (string | number)[];

export class FormErrors {
  readonly tree: Record<string, any> = {};
  count = 0;

  add(path: Path, code: string, message: string): void {
    let node = this.tree;
    for (const key of path) node = node[key] ??= {};
    (node._errors ??= []).push({ code, message });
    this.count++;
  }

  maxLength(path: Path, value: unknown, max: number, min = 0, required = false): void {
    if (value === undefined || value === null) {
      if (required) this.add(path, "BASE_TYPE_REQUIRED", "This field is required");
      return;
    }
    if (typeof value !== "string") return this.add(path, "BASE_TYPE_STRING", "Must be a string.");
    if (value.length > max) this.add(path, "BASE_TYPE_MAX_LENGTH", `Must be ${max} or fewer in length.`);
    else if (value.length < min) this.add(path, "BASE_TYPE_MIN_LENGTH", `Must be ${min} or more in length.`);
  }

  maxItems(path: Path, value: unknown, max: number, min = 0): boolean {
    if (value === undefined || value === null) return false;
    if (!Array.isArray(value)) {
      this.add(path, "BASE_TYPE_ARRAY", "Must be an array.");
      return false;
    }
    if (value.length > max) this.add(path, "BASE_TYPE_MAX_LENGTH", `Must be ${max} or fewer in length.`);
    else if (value.length < min) this.add(path, "BASE_TYPE_MIN_LENGTH", `Must be ${min} or more in length.`);
    return true;
  }

  throwIfAny(): void {
    if (this.count > 0) throw invalidFormBody(this.tree);
  }
}

export const FLAG_SUPPRESS_EMBEDS = 1 << 2;
export const FLAG_EPHEMERAL = 1 << 6;
export const FLAG_LOADING = 1 << 7;
export const FLAG_SUPPRESS_NOTIFICATIONS = 1 << 12;
export const FLAG_COMPONENTS_V2 = 1 << 15;

const SELECT_TYPES = new Set([3, 5, 6, 7, 8]);

export interface MessageCheck {
  /** Interaction responses may carry the ephemeral flag. */
  allowEphemeral: boolean;
  /** Creating (not editing): an empty message is refused. */
  creating: boolean;
  fileCount: number;
}

/** Validates a message body (create or edit); throws HttpError 400 (50035 or 50006). */
export function validateMessage(body: any, check: MessageCheck): void {
  const e = new FormErrors();
  if (body === null || typeof body !== "object") {
    e.add([], "DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType");
    return e.throwIfAny();
  }
  e.maxLength(["content"], body.content, 2000);
  const flags = body.flags ?? 0;
  const allowed =
    FLAG_SUPPRESS_EMBEDS |
    FLAG_SUPPRESS_NOTIFICATIONS |
    FLAG_COMPONENTS_V2 |
    (check.allowEphemeral ? FLAG_EPHEMERAL : 0);
  if (typeof flags !== "number" || (flags & ~allowed) !== 0) e.add(["flags"], "MESSAGE_FLAGS_INVALID", "Invalid flags");
  const v2 = typeof flags === "number" && (flags & FLAG_COMPONENTS_V2) !== 0;
  if (v2 && (body.content || body.embeds?.length)) {
    e.add(
      ["content"],
      "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2",
      "The 'content' and 'embeds' fields cannot be used with components v2",
    );
  }
  validateEmbeds(e, body.embeds);
  validateComponents(e, body.components, v2);
  validateAllowedMentions(e, body.allowed_mentions);
  e.throwIfAny();
  if (check.creating) {
    const empty =
      !body.content &&
      !body.embeds?.length &&
      !body.components?.length &&
      check.fileCount === 0 &&
      !body.sticker_ids?.length &&
      !body.poll;
    if (empty) throw new HttpError(400, 50006, "Cannot send an empty message");
  }
}

function validateEmbeds(e: FormErrors, embeds: unknown): void {
  if (!e.maxItems(["embeds"], embeds, 10)) return;
  let total = 0;
  (embeds as any[]).forEach((embed, i) => {
    const at = (...rest: Path): Path => ["embeds", i, ...rest];
    if (embed === null || typeof embed !== "object") return e.add(at(), "DICT_TYPE_CONVERT", "Must be an object.");
    e.maxLength(at("title"), embed.title, 256);
    e.maxLength(at("description"), embed.description, 4096);
    if (embed.footer) e.maxLength(at("footer", "text"), embed.footer.text, 2048, 0, true);
    if (embed.author) e.maxLength(at("author", "name"), embed.author.name, 256, 0, true);
    if (embed.color !== undefined && (typeof embed.color !== "number" || embed.color < 0 || embed.color > 0xffffff)) {
      e.add(at("color"), "NUMBER_TYPE_MAX", "int value should be less than or equal to 16777215.");
    }
    if (embed.timestamp !== undefined && Number.isNaN(Date.parse(embed.timestamp))) {
      e.add(at("timestamp"), "DATE_TYPE_PARSE", "Could not parse timestamp. Should be ISO8601.");
    }
    if (e.maxItems(at("fields"), embed.fields, 25)) {
      (embed.fields as any[]).forEach((field, j) => {
        e.maxLength(at("fields", j, "name"), field?.name, 256, 1, true);
        e.maxLength(at("fields", j, "value"), field?.value, 1024, 1, true);
        total += String(field?.name ?? "").length + String(field?.value ?? "").length;
      });
    }
    total += String(embed.title ?? "").length + String(embed.description ?? "").length;
    total += String(embed.footer?.text ?? "").length + String(embed.author?.name ?? "").length;
  });
  if (total > 6000) e.add(["embeds"], "BASE_TYPE_MAX_LENGTH", "Embed size exceeds maximum size of 6000");
}

function validateAllowedMentions(e: FormErrors, am: any): void {
  if (am === undefined || am === null) return;
  const parse: unknown[] = am.parse ?? [];
  for (const p of parse) {
    if (!["roles", "users", "everyone"].includes(p as string))
      e.add(["allowed_mentions", "parse"], "ENUM_TYPE_COERCE", `Value "${String(p)}" is not a valid enum value.`);
  }
  if (parse.includes("users") && am.users?.length)
    e.add(
      ["allowed_mentions"],
      "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE",
      'parse:["users"] and users: [ids...] are mutually exclusive.',
    );
  if (parse.includes("roles") && am.roles?.length)
    e.add(
      ["allowed_mentions"],
      "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE",
      'parse:["roles"] and roles: [ids...] are mutually exclusive.',
    );
  e.maxItems(["allowed_mentions", "users"], am.users, 100);
  e.maxItems(["allowed_mentions", "roles"], am.roles, 100);
}

function checkCustomId(e: FormErrors, path: Path, c: any, seen: Set<string>): void {
  e.maxLength([...path, "custom_id"], c.custom_id, 100, 1, true);
  if (typeof c.custom_id !== "string") return;
  if (seen.has(c.custom_id))
    e.add([...path, "custom_id"], "COMPONENT_CUSTOM_ID_DUPLICATED", "Component custom id cannot be duplicated");
  seen.add(c.custom_id);
}

function validateComponents(e: FormErrors, components: unknown, v2: boolean): void {
  if (components === undefined || components === null) return;
  const seen = new Set<string>();
  if (v2) {
    // Components v2 layouts are free-form; still hold every interactive part to its own limits.
    if (!e.maxItems(["components"], components, 40)) return;
    const walk = (c: any, path: Path): void => {
      if (c?.type === 2) validateButton(e, path, c, seen);
      else if (SELECT_TYPES.has(c?.type)) validateSelect(e, path, c, seen);
      (c?.components ?? []).forEach((child: any, i: number) => walk(child, [...path, "components", i]));
      if (c?.accessory) walk(c.accessory, [...path, "accessory"]);
    };
    (components as any[]).forEach((c, i) => walk(c, ["components", i]));
    return;
  }
  if (!e.maxItems(["components"], components, 5)) return;
  (components as any[]).forEach((row, i) => {
    const at: Path = ["components", i];
    if (row?.type !== 1)
      return e.add(
        [...at, "type"],
        "COMPONENT_TYPE_INVALID",
        "Top-level components must be action rows (type 1) without the components v2 flag",
      );
    if (!e.maxItems([...at, "components"], row.components, 5, 1)) {
      if (!Array.isArray(row.components)) e.add([...at, "components"], "BASE_TYPE_REQUIRED", "This field is required");
      return;
    }
    const children = row.components as any[];
    const selects = children.filter((c) => SELECT_TYPES.has(c?.type)).length;
    if (selects > 0 && children.length > 1) {
      e.add(
        [...at, "components"],
        "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
        "The specified component exceeds the maximum width (a select menu needs its own row)",
      );
    }
    children.forEach((c, j) => {
      const cat: Path = [...at, "components", j];
      if (c?.type === 2) validateButton(e, cat, c, seen);
      else if (SELECT_TYPES.has(c?.type)) validateSelect(e, cat, c, seen);
      else
        e.add(
          [...cat, "type"],
          "COMPONENT_TYPE_INVALID",
          `Component type ${String(c?.type)} is not allowed in a message action row`,
        );
    });
  });
}

function validateButton(e: FormErrors, at: Path, c: any, seen: Set<string>): void {
  e.maxLength([...at, "label"], c.label, 80);
  if (![1, 2, 3, 4, 5, 6].includes(c.style))
    return e.add([...at, "style"], "BASE_TYPE_CHOICES", "Value must be one of {1, 2, 3, 4, 5, 6}.");
  if (c.style === 5) {
    e.maxLength([...at, "url"], c.url, 512, 1, true);
    if (c.custom_id !== undefined)
      e.add(
        [...at, "custom_id"],
        "BUTTON_COMPONENT_URL_CUSTOM_ID_MUTUALLY_EXCLUSIVE",
        "A link button cannot have a custom_id",
      );
  } else if (c.style !== 6) {
    checkCustomId(e, at, c, seen);
    if (c.url !== undefined)
      e.add([...at, "url"], "BUTTON_COMPONENT_URL_CUSTOM_ID_MUTUALLY_EXCLUSIVE", "Only link buttons have a url");
  }
  if (c.style !== 6 && !c.label && !c.emoji)
    e.add([...at], "BUTTON_COMPONENT_LABEL_OR_EMOJI_REQUIRED", "A button needs a label or an emoji");
}

function validateSelect(e: FormErrors, at: Path, c: any, seen: Set<string>): void {
  checkCustomId(e, at, c, seen);
  e.maxLength([...at, "placeholder"], c.placeholder, 150);
  const min = c.min_values ?? 1;
  const max = c.max_values ?? 1;
  if (typeof min !== "number" || min < 0 || min > 25)
    e.add([...at, "min_values"], "NUMBER_TYPE_MAX", "Must be between 0 and 25.");
  if (typeof max !== "number" || max < 1 || max > 25)
    e.add([...at, "max_values"], "NUMBER_TYPE_MAX", "Must be between 1 and 25.");
  if (min > max)
    e.add(
      [...at, "min_values"],
      "SELECT_COMPONENT_MIN_VALUES_GREATER_THAN_MAX",
      "min_values must not exceed max_values",
    );
  if (c.type !== 3) return;
  if (!e.maxItems([...at, "options"], c.options, 25, 1)) {
    return e.add([...at, "options"], "BASE_TYPE_REQUIRED", "This field is required");
  }
  const values = new Set<string>();
  (c.options as any[]).forEach((o, k) => {
    e.maxLength([...at, "options", k, "label"], o?.label, 100, 1, true);
    e.maxLength([...at, "options", k, "value"], o?.value, 100, 1, true);
    e.maxLength([...at, "options", k, "description"], o?.description, 100);
    if (values.has(o?.value))
      e.add(
        [...at, "options", k, "value"],
        "SELECT_COMPONENT_OPTION_VALUE_DUPLICATED",
        "Select option values must be unique",
      );
    values.add(o?.value);
  });
  if (max > c.options.length)
    e.add(
      [...at, "max_values"],
      "SELECT_COMPONENT_MAX_VALUES_EXCEEDS_OPTIONS",
      "max_values exceeds the number of options",
    );
}

/** Type 8 callback data: at most 25 choices, names and string values 1..100. */
export function validateChoices(data: any): void {
  const e = new FormErrors();
  if (!e.maxItems(["data", "choices"], data?.choices, 25))
    e.add(["data", "choices"], "BASE_TYPE_REQUIRED", "This field is required");
  (Array.isArray(data?.choices) ? data.choices : []).forEach((c: any, i: number) => {
    e.maxLength(["data", "choices", i, "name"], c?.name, 100, 1, true);
    if (typeof c?.value === "string") e.maxLength(["data", "choices", i, "value"], c.value, 100, 1, true);
    else if (typeof c?.value !== "number")
      e.add(["data", "choices", i, "value"], "BASE_TYPE_REQUIRED", "Must be a string or a number.");
  });
  e.throwIfAny();
}

/** Type 9 callback data: title 1..45, 1..5 rows or labels, text inputs within their limits. */
export function validateModal(data: any): void {
  const e = new FormErrors();
  const at = (...rest: Path): Path => ["data", ...rest];
  e.maxLength(at("title"), data?.title, 45, 1, true);
  checkCustomId(e, at(), data ?? {}, new Set());
  if (!e.maxItems(at("components"), data?.components, 5, 1))
    e.add(at("components"), "BASE_TYPE_REQUIRED", "This field is required");
  const seen = new Set<string>();
  (Array.isArray(data?.components) ? data.components : []).forEach((top: any, i: number) => {
    const p = at("components", i);
    if (top?.type === 1) {
      if (!Array.isArray(top.components) || top.components.length !== 1) {
        return e.add([...p, "components"], "BASE_TYPE_BAD_LENGTH", "A modal action row holds exactly one text input");
      }
      validateTextInput(e, [...p, "components", 0], top.components[0], seen, true);
    } else if (top?.type === 18) {
      e.maxLength([...p, "label"], top.label, 45, 1, true);
      e.maxLength([...p, "description"], top.description, 100);
      const inner = top.component;
      if (inner?.type === 4) validateTextInput(e, [...p, "component"], inner, seen, false);
      else if (SELECT_TYPES.has(inner?.type)) validateSelect(e, [...p, "component"], inner, seen);
      else if (inner?.type !== 19)
        e.add(
          [...p, "component", "type"],
          "COMPONENT_TYPE_INVALID",
          "A label holds a text input, a select menu or a file upload",
        );
    } else if (top?.type !== 10) {
      e.add([...p, "type"], "COMPONENT_TYPE_INVALID", "Modal components must be action rows, labels or text displays");
    }
  });
  e.throwIfAny();
}

function validateTextInput(e: FormErrors, at: Path, c: any, seen: Set<string>, needsLabel: boolean): void {
  if (c?.type !== 4)
    return e.add([...at, "type"], "COMPONENT_TYPE_INVALID", "Only text inputs (type 4) may be used here");
  checkCustomId(e, at, c, seen);
  if (![1, 2].includes(c.style)) e.add([...at, "style"], "BASE_TYPE_CHOICES", "Value must be one of {1, 2}.");
  e.maxLength([...at, "label"], c.label, 45, 1, needsLabel);
  e.maxLength([...at, "placeholder"], c.placeholder, 100);
  e.maxLength([...at, "value"], c.value, 4000);
  const min = c.min_length ?? 0;
  const max = c.max_length ?? 4000;
  if (min < 0 || min > 4000) e.add([...at, "min_length"], "NUMBER_TYPE_MAX", "Must be between 0 and 4000.");
  if (max < 1 || max > 4000) e.add([...at, "max_length"], "NUMBER_TYPE_MAX", "Must be between 1 and 4000.");
}
