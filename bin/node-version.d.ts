// Types of node-version.js for the TypeScript that imports it (the tests).
export function minimumNodeMajor(): number;
export function nodeVersionWarning(version: string, minimumMajor: number): string | undefined;
