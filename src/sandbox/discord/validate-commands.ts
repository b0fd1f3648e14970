// Application command definitions, checked the way Discord checks a bulk overwrite.
import { FormErrors } from "./validate.js";

type Path = (string | number)[];

const NAME = /^[-_\p{L}\p{N}]{1,32}$/u;
const SUB = 1;
const GROUP = 2;
const STRING = 3;

/** Throws HttpError 400/50035 when any definition in the list would be refused by Discord. */
export function validateCommandList(list: unknown): void {
  const e = new FormErrors();
  if (!Array.isArray(list)) {
    e.add([], "BASE_TYPE_ARRAY", "Must be an array.");
    return e.throwIfAny();
  }
  if (list.length > 100) e.add([], "BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer in length.");
  const names = new Set<string>();
  list.forEach((cmd: any, i) => {
    const type = cmd?.type ?? 1;
    if (![1, 2, 3, 4].includes(type))
      return e.add([i, "type"], "BASE_TYPE_CHOICES", "Value must be one of {1, 2, 3, 4}.");
    const key = `${type}:${cmd?.name}`;
    if (names.has(key))
      e.add(
        [i, "name"],
        "APPLICATION_COMMANDS_DUPLICATE_NAME",
        `Application command names must be unique (${String(cmd?.name)})`,
      );
    names.add(key);
    if (type === 1) {
      checkName(e, [i, "name"], cmd?.name);
      e.maxLength([i, "description"], cmd?.description, 100, 1, true);
      checkOptions(e, [i], cmd?.options, 0);
    } else {
      // User and message commands: any case, spaces allowed, no description or options.
      e.maxLength([i, "name"], cmd?.name, 32, 1, true);
      if (cmd?.description)
        e.add(
          [i, "description"],
          "APPLICATION_COMMAND_DESCRIPTION_NOT_ALLOWED",
          "Context menu commands cannot have a description",
        );
      if (cmd?.options?.length)
        e.add([i, "options"], "APPLICATION_COMMAND_OPTIONS_NOT_ALLOWED", "Context menu commands cannot have options");
    }
    const perms = cmd?.default_member_permissions;
    if (perms !== undefined && perms !== null && !(typeof perms === "string" && /^\d+$/.test(perms))) {
      e.add([i, "default_member_permissions"], "BASE_TYPE_BAD_INT", "Must be a permission bitfield string.");
    }
  });
  e.throwIfAny();
}

function checkName(e: FormErrors, path: Path, name: unknown): void {
  if (typeof name !== "string") return e.add(path, "BASE_TYPE_REQUIRED", "This field is required");
  if (!NAME.test(name))
    e.add(path, "APPLICATION_COMMAND_INVALID_NAME", `Command name "${name}" is invalid (1-32 letters, digits, - or _)`);
  else if (name !== name.toLowerCase())
    e.add(path, "APPLICATION_COMMAND_INVALID_NAME", `Command name "${name}" must be lowercase`);
}

/** depth 0: a command's own options; 1: inside a group or subcommand; 2: inside a subcommand of a group. */
function checkOptions(e: FormErrors, at: Path, options: unknown, depth: number, parentType?: number): void {
  if (!e.maxItems([...at, "options"], options, 25)) return;
  const list = options as any[];
  const names = new Set<string>();
  let sawOptional = false;
  const subs = list.filter((o) => o?.type === SUB || o?.type === GROUP).length;
  if (subs > 0 && subs < list.length) {
    e.add(
      [...at, "options"],
      "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
      "Subcommands and groups cannot be mixed with other options",
    );
  }
  list.forEach((o: any, i) => {
    const p: Path = [...at, "options", i];
    const type = o?.type;
    if (typeof type !== "number" || type < 1 || type > 11)
      return e.add([...p, "type"], "BASE_TYPE_CHOICES", "Value must be one of 1..11.");
    checkName(e, [...p, "name"], o.name);
    if (names.has(o.name))
      e.add(
        [...p, "name"],
        "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS",
        `Option name "${o.name}" is already used`,
      );
    names.add(o.name);
    e.maxLength([...p, "description"], o.description, 100, 1, true);
    if (type === GROUP) {
      if (depth !== 0)
        e.add(
          [...p, "type"],
          "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
          "Subcommand groups can only be at the top level",
        );
      const inner = (o.options ?? []) as any[];
      if (inner.some((s) => s?.type !== SUB))
        e.add(
          [...p, "options"],
          "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
          "A subcommand group holds only subcommands",
        );
      checkOptions(e, p, o.options, 1, GROUP);
      return;
    }
    if (type === SUB) {
      if (depth > 0 && parentType !== GROUP)
        e.add(
          [...p, "type"],
          "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
          "Subcommands nest at most once, inside a group",
        );
      if ((o.options ?? []).some((s: any) => s?.type === SUB || s?.type === GROUP)) {
        e.add(
          [...p, "options"],
          "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
          "Subcommands cannot contain subcommands or groups",
        );
      }
      checkOptions(
        e,
        p,
        (o.options ?? []).filter((s: any) => s?.type !== SUB && s?.type !== GROUP),
        depth + 1,
        SUB,
      );
      return;
    }
    if (o.options?.length)
      e.add([...p, "options"], "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID", "Only subcommands and groups have options");
    if (o.required) {
      if (sawOptional)
        e.add(
          [...p, "required"],
          "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
          "Required options must be placed before non-required options",
        );
    } else sawOptional = true;
    checkChoices(e, p, o);
  });
}

function checkChoices(e: FormErrors, p: Path, o: any): void {
  if (o.choices !== undefined && o.autocomplete)
    e.add(
      [...p, "autocomplete"],
      "APPLICATION_COMMAND_AUTOCOMPLETE_CHOICES_EXCLUSIVE",
      "Autocomplete and choices are mutually exclusive",
    );
  if (o.autocomplete && ![3, 4, 10].includes(o.type))
    e.add(
      [...p, "autocomplete"],
      "APPLICATION_COMMAND_OPTION_AUTOCOMPLETE_INVALID",
      "Only string, integer and number options autocomplete",
    );
  if (e.maxItems([...p, "choices"], o.choices, 25)) {
    (o.choices as any[]).forEach((c, k) => {
      e.maxLength([...p, "choices", k, "name"], c?.name, 100, 1, true);
      if (o.type === STRING) e.maxLength([...p, "choices", k, "value"], c?.value, 100, 1, true);
      else if (typeof c?.value !== "number")
        e.add([...p, "choices", k, "value"], "BASE_TYPE_NUMBER", "Must be a number.");
    });
  }
  for (const key of ["min_length", "max_length"] as const) {
    const v = o[key];
    if (v !== undefined && (typeof v !== "number" || v < 0 || v > 6000))
      e.add([...p, key], "NUMBER_TYPE_MAX", "Must be between 0 and 6000.");
  }
}
