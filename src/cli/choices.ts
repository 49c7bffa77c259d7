/** Enumerated options, matched case-insensitively (`--fail-on Critical`), with a "did you mean" when refused. */
import { InvalidArgumentError, Option } from "commander";
import { didYouMean } from "../model/suggest.js";

/** The canonical spelling of `value` among `values`, compared case-insensitively. */
export function matchChoice<T extends string>(value: string, values: readonly T[]): T | undefined {
  const wanted = value.trim().toLowerCase();
  return values.find((v) => v.toLowerCase() === wanted);
}

/** An option whose value is one of `values`; help lists them, any letter case is accepted. */
export function choiceOption<T extends string>(flags: string, description: string, values: readonly T[]): Option {
  // `.choices` records the values for help; the parser replaces its case-sensitive check.
  return new Option(flags, description).choices(values).argParser((value: string) => {
    const match = matchChoice(value, values);
    if (match === undefined) throw new InvalidArgumentError(`expected ${values.join("|")}${didYouMean(value, values)}`);
    return match;
  });
}
