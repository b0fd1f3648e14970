// Reads the models of prisma/schema/*.prisma: enough of the language to compare with a migrated database
// (fields, optionality, ids, uniques, indexes, relations), so a migration that drifts from the schema fails.
import fs from "node:fs";
import path from "node:path";

export interface SchemaField {
  name: string;
  type: string;
  optional: boolean;
  list: boolean;
  id: boolean;
  unique: boolean;
  hasDefault: boolean;
  /** A relation field (no column of its own). */
  relation: boolean;
}

export interface SchemaModel {
  name: string;
  fields: SchemaField[];
  compoundIds: string[][];
  uniques: string[][];
  indexes: string[][];
}

const SCALARS = new Set(["String", "Int", "BigInt", "Float", "Decimal", "Boolean", "DateTime", "Json", "Bytes"]);

export function readSchemaModels(dir: string): SchemaModel[] {
  const text = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".prisma"))
    .map((f) => fs.readFileSync(path.join(dir, f), "utf8"))
    .join("\n");
  const enums = new Set([...text.matchAll(/^enum\s+(\w+)/gm)].map((m) => m[1]!));
  const models: SchemaModel[] = [];
  for (const match of text.matchAll(/^model\s+(\w+)\s*\{([\s\S]*?)^\}/gm)) {
    const model: SchemaModel = { name: match[1]!, fields: [], compoundIds: [], uniques: [], indexes: [] };
    for (const raw of match[2]!.split("\n")) {
      const line = raw.replace(/\/\/.*$/, "").trim();
      if (!line) continue;
      const block = line.match(/^@@(id|unique|index)\(\s*(?:fields:\s*)?\[([^\]]*)\]/);
      if (block) {
        const cols = block[2]!.split(",").map((c) => c.trim().replace(/\(.*\)$/, ""));
        (block[1] === "id" ? model.compoundIds : block[1] === "unique" ? model.uniques : model.indexes).push(cols);
        continue;
      }
      const field = line.match(/^(\w+)\s+(\w+)(\[\])?(\?)?\s*(.*)$/);
      if (!field) continue;
      const [, name, type, list, optional, attrs = ""] = field;
      const relation = !SCALARS.has(type!) && !enums.has(type!);
      model.fields.push({
        name: name!,
        type: enums.has(type!) ? "String" : type!,
        optional: Boolean(optional),
        list: Boolean(list),
        id: /@id\b/.test(attrs),
        unique: /@unique\b/.test(attrs),
        hasDefault: /@default\(/.test(attrs) || /@updatedAt\b/.test(attrs),
        relation,
      });
      if (/@unique\b/.test(attrs)) model.uniques.push([name!]);
    }
    models.push(model);
  }
  return models;
}
