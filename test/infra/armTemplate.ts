/**
 * Reading the ARM template the Bicep compiler emits (infra/compiled/main.json): its modules
 * (nested deployments), their resources, and the template language's expressions, parsed and
 * printed back in a short form where `reference(<module deployment>).outputs.X.value` reads
 * `module.outputs.X`, so that tests compare what Azure would evaluate.
 * Expression grammar: https://learn.microsoft.com/azure/azure-resource-manager/templates/template-expressions
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../helpers/cli.js";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface ArmResource {
  type: string;
  apiVersion?: string;
  name: string;
  condition?: Json;
  copy?: { name: string; count: Json };
  dependsOn?: string[];
  scope?: string;
  subscriptionId?: string;
  resourceGroup?: string;
  location?: Json;
  kind?: Json;
  sku?: Json;
  tags?: Json;
  identity?: Json;
  properties?: { [key: string]: Json };
}

export interface ArmParameter {
  type: string;
  defaultValue?: Json;
  allowedValues?: Json[];
  minValue?: number;
  maxValue?: number;
}

export interface ArmTemplate {
  $schema: string;
  parameters: Record<string, ArmParameter>;
  variables?: Record<string, Json>;
  resources: ArmResource[];
  outputs?: Record<string, { type: string; value: Json }>;
}

export const COMPILED_TEMPLATE_PATH = join(ROOT, "infra", "compiled", "main.json");

/** A committed compiled template (default: infra/compiled/main.json; else a file name of infra/compiled/). */
export function loadCompiledTemplate(file = "main.json"): ArmTemplate {
  const path = join(ROOT, "infra", "compiled", file);
  const template = JSON.parse(readFileSync(path, "utf8")) as ArmTemplate;
  if (!Array.isArray(template.resources)) throw new Error(`${path}: resources is not an array (languageVersion 2.0 templates are not read here)`);
  return template;
}

// ---------------------------------------------------------------------------------------------------
// Expressions

export type Expr =
  | { kind: "string"; value: string }
  | { kind: "number"; value: number }
  | { kind: "call"; name: string; args: Expr[] }
  | { kind: "property"; target: Expr; name: string }
  | { kind: "index"; target: Expr; index: Expr };

/** Whether a JSON string is an expression: `[...]`, but not `[[...` (an escaped literal). */
export function isExpression(value: Json | undefined): value is string {
  return typeof value === "string" && value.startsWith("[") && value.endsWith("]") && !value.startsWith("[[");
}

/** Parses `[expression]` (or a bare expression). */
export function parseExpression(text: string): Expr {
  const source = isExpression(text) ? text.slice(1, -1) : text;
  let i = 0;
  const fail = (what: string): never => {
    throw new Error(`expression: ${what} at ${i} in ${source}`);
  };
  const space = () => {
    while (source[i] === " ") i++;
  };
  const primary = (): Expr => {
    space();
    const c = source[i];
    if (c === "'") {
      let value = "";
      i++;
      for (;;) {
        if (i >= source.length) fail("unterminated string");
        if (source[i] === "'") {
          if (source[i + 1] === "'") {
            value += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += source[i++];
      }
      return { kind: "string", value };
    }
    const number = /^-?\d+/.exec(source.slice(i));
    if (number) {
      i += number[0].length;
      return { kind: "number", value: Number(number[0]) };
    }
    const name = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(source.slice(i));
    if (!name) return fail("unexpected character");
    i += name[0].length;
    space();
    if (source[i] !== "(") return fail(`function call expected after ${name[0]}`);
    i++;
    const args: Expr[] = [];
    space();
    if (source[i] === ")") i++;
    else {
      for (;;) {
        args.push(expression());
        space();
        if (source[i] === ",") {
          i++;
          continue;
        }
        if (source[i] === ")") {
          i++;
          break;
        }
        fail("`,` or `)` expected");
      }
    }
    return { kind: "call", name: name[0], args };
  };
  const expression = (): Expr => {
    let node = primary();
    for (;;) {
      if (source[i] === ".") {
        const name = /^\.([A-Za-z_$][A-Za-z0-9_$]*)/.exec(source.slice(i));
        if (!name) fail("property name expected");
        i += name![0].length;
        node = { kind: "property", target: node, name: name![1]! };
      } else if (source[i] === "[") {
        i++;
        const index = expression();
        space();
        if (source[i] !== "]") fail("`]` expected");
        i++;
        node = { kind: "index", target: node, index };
      } else return node;
    }
  };
  const result = expression();
  space();
  if (i !== source.length) fail("trailing text");
  return result;
}

/** The name of the module deployment an expression identifies, e.g. resourceId(..., 'Microsoft.Resources/deployments', 'identity'). */
function deploymentName(id: Expr): string | undefined {
  if (id.kind !== "call" || !/resourceId$/i.test(id.name)) return undefined;
  const at = id.args.findIndex((a) => a.kind === "string" && a.value === "Microsoft.Resources/deployments");
  const name = at >= 0 ? id.args[at + 1] : undefined;
  return name?.kind === "string" ? name.value : undefined;
}

/**
 * An expression as text, with module outputs shortened: `reference(<deployment 'identity'>, ...).outputs.clientId.value`
 * prints `identity.outputs.clientId`; a member of a createObject(...) prints as that member's value.
 */
export function printExpr(e: Expr): string {
  switch (e.kind) {
    case "string":
      return `'${e.value.replace(/'/g, "''")}'`;
    case "number":
      return String(e.value);
    case "call":
      return `${e.name}(${e.args.map(printExpr).join(", ")})`;
    case "index":
      return `${printExpr(e.target)}[${printExpr(e.index)}]`;
    case "property": {
      // reference(<deployment>, ...).outputs.NAME.value
      const outputs = e.name === "value" && e.target.kind === "property" ? e.target.target : undefined;
      if (outputs?.kind === "property" && outputs.name === "outputs" && outputs.target.kind === "call" && outputs.target.name === "reference") {
        const module = outputs.target.args[0] && deploymentName(outputs.target.args[0]);
        if (module) return `${module}.outputs.${e.target.kind === "property" ? e.target.name : ""}`;
      }
      // createObject('a', x, 'b', y).b is y (how Bicep inlines a variable object holding runtime values).
      if (e.target.kind === "call" && e.target.name === "createObject") {
        const args = e.target.args;
        for (let k = 0; k + 1 < args.length; k += 2) {
          const key = args[k]!;
          if (key.kind === "string" && key.value === e.name) return printExpr(args[k + 1]!);
        }
      }
      return `${printExpr(e.target)}.${e.name}`;
    }
  }
}

/** A JSON value as the tests compare it: expressions printed (printExpr), literals as they are. */
export function show(value: Json | undefined): Json | undefined {
  return isExpression(value) ? printExpr(parseExpression(value)) : value;
}

/**
 * The keys an object-valued expression may have, each with its value: createObject(k, v, ...),
 * union(...) of them, both branches of if(...), variables('x') of `template`, and literal objects.
 */
export function objectEntries(value: Json | Expr, template?: ArmTemplate): Map<string, Expr | Json> {
  const out = new Map<string, Expr | Json>();
  const visit = (v: Json | Expr): void => {
    if (isExpression(v as Json)) return visit(parseExpression(v as string));
    if (v && typeof v === "object" && !Array.isArray(v) && "kind" in v && typeof v.kind === "string") {
      const e = v as Expr;
      if (e.kind !== "call") throw new Error(`objectEntries: not an object expression: ${printExpr(e)}`);
      if (e.name === "createObject") {
        for (let k = 0; k + 1 < e.args.length; k += 2) {
          const key = e.args[k]!;
          if (key.kind !== "string") throw new Error(`objectEntries: computed key ${printExpr(key)}`);
          out.set(key.value, e.args[k + 1]!);
        }
      } else if (e.name === "union") e.args.forEach(visit);
      else if (e.name === "if") visit(e.args[1]!), visit(e.args[2]!);
      else if (e.name === "variables" && template && e.args[0]?.kind === "string" && template.variables?.[e.args[0].value] !== undefined) {
        visit(template.variables[e.args[0].value]!);
      } else throw new Error(`objectEntries: ${e.name}(...) is not an object this reader follows`);
      return;
    }
    if (v && typeof v === "object" && !Array.isArray(v)) {
      for (const [k, x] of Object.entries(v as Record<string, Json>)) out.set(k, x);
      return;
    }
    throw new Error(`objectEntries: not an object: ${JSON.stringify(v)}`);
  };
  visit(value);
  return out;
}

/** printExpr for an expression, show for JSON. */
export function text(value: Expr | Json | undefined): Json | undefined {
  if (value && typeof value === "object" && !Array.isArray(value) && "kind" in value && typeof value.kind === "string") return printExpr(value as Expr);
  return show(value as Json);
}

// ---------------------------------------------------------------------------------------------------
// Modules and resources

export interface Module {
  /** The deployment resource in its parent template. */
  deployment: ArmResource;
  /** The values the parent passes (parameter name: value as written in the parent). */
  params: Record<string, Json>;
  template: ArmTemplate;
}

/** The module (nested deployment) whose name is `name` (as written: a literal, or the printed expression). */
export function module(parent: ArmTemplate, name: string): Module {
  const found = parent.resources.filter((r) => r.type === "Microsoft.Resources/deployments" && (r.name === name || show(r.name) === name));
  if (found.length !== 1) {
    const names = parent.resources.filter((r) => r.type === "Microsoft.Resources/deployments").map((r) => show(r.name));
    throw new Error(`module ${name}: found ${found.length} (modules: ${names.join(", ")})`);
  }
  const deployment = found[0]!;
  const properties = deployment.properties as { parameters?: Record<string, { value: Json }>; template?: ArmTemplate };
  if (!properties.template) throw new Error(`module ${name}: no inline template (a templateLink or registry module?)`);
  const params = Object.fromEntries(Object.entries(properties.parameters ?? {}).map(([k, v]) => [k, v.value]));
  return { deployment, params, template: properties.template };
}

/** Every module of a template, depth first, with its path of names. */
export function allTemplates(root: ArmTemplate): { path: string; template: ArmTemplate }[] {
  const out = [{ path: "main", template: root }];
  for (const r of root.resources) {
    if (r.type !== "Microsoft.Resources/deployments") continue;
    const nested = (r.properties as { template?: ArmTemplate } | undefined)?.template;
    if (nested) for (const child of allTemplates(nested)) out.push({ path: `main/${String(show(r.name))}${child.path.slice(4)}`, template: child.template });
  }
  return out;
}

/** The one resource of a type in a template. */
export function resource(template: ArmTemplate, type: string, name?: string): ArmResource {
  const found = template.resources.filter((r) => r.type === type && (name === undefined || r.name === name || show(r.name) === name));
  if (found.length !== 1) throw new Error(`${type}${name ? ` ${name}` : ""}: found ${found.length}`);
  return found[0]!;
}

/** A template variable's value, following `[variables('x')]` to the value it names. */
export function variable(template: ArmTemplate, name: string): Json {
  let value = template.variables?.[name];
  for (let hops = 0; isExpression(value) && hops < 5; hops++) {
    const e = parseExpression(value);
    if (e.kind !== "call" || e.name !== "variables" || e.args[0]?.kind !== "string") break;
    value = template.variables?.[e.args[0].value];
  }
  if (value === undefined) throw new Error(`variable ${name} not found`);
  return value;
}
